package controller

// The clerk terminal and the kiosk in a real browser: headless Chromium
// driven through the DevTools protocol, against the test controller.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// browserTimeout bounds a whole browser test, so a hang fails it.
	browserTimeout = 60 * time.Second
	// browserWait bounds one wait for the page to show something.
	browserWait = 10 * time.Second
)

// browser is one headless Chromium with one tab, for one test.
type browser struct {
	t   *testing.T
	ctx context.Context

	// viewport sets the size of the page: new headless Chromium gives a
	// window of width×height a smaller viewport, as if it had a title bar.
	viewport     chromedp.Action[chromedp.Void]
	viewportOpts []chromedp.EmulateViewportOption

	shots string // where screenshots go, once chosen

	// expected are parts of URLs whose error statuses the test caused on
	// purpose (a form sent with a mistake answers 400).
	expected []string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// newBrowser starts Chromium with a fresh profile and a page of
// width×height CSS pixels, emulated with opts (touch, portrait). It skips
// the test when Chromium is not installed, except in CI, which must run it.
func newBrowser(t *testing.T, width, height int, opts ...chromedp.EmulateViewportOption) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not found (%v): CI must run the browser tests", err)
		}
		t.Skipf("chromium not found (%v): install the Debian package chromium to run the browser tests", err)
	}
	profile := t.TempDir() // removed after the browser has exited: cleanups run last in, first out
	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(width, height),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, ctx: tabCtx, viewportOpts: opts,
		viewport: chromedp.EmulateViewport(int64(width), int64(height), opts...)}

	// The console of the page: its errors and exceptions are bugs. Console
	// starts the browser; the reader stops when the tab's context ends.
	messages := chromedp.Console(tabCtx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for Chromium to exit
		cancelTimeout()
		<-done
	})
	b.do("set the viewport", b.viewport)
	return b
}

// do runs actions; an error fails the test.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to url and waits until it has loaded.
func (b *browser) open(url string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(url))
	if err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("open %s: got status %d, want 200", url, resp.Status)
	}
}

// eval evaluates a JavaScript expression that returns a string.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// browserTextJS is a function that gives the text of the first element sel
// matches, with white space collapsed, or "<missing>".
const browserTextJS = `(sel) => {
	const e = document.querySelector(sel);
	return e ? e.textContent.replace(/\s+/g, " ").trim() : "<missing>";
}`

// text is the text of the element sel, as a person reads it.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf("(%s)(%q)", browserTextJS, sel))
}

// waitText waits until the text of sel equals want, or with contains,
// until it contains want.
func (b *browser) waitText(sel, want string, contains bool) {
	b.t.Helper()
	pred := fmt.Sprintf(`(sel, want, contains) => {
		const s = (%s)(sel);
		return contains ? s.includes(want) : s === want;
	}`, browserTextJS)
	deadline := time.Now().Add(browserWait)
	var err error
	for {
		_, err = chromedp.Run(b.ctx, chromedp.PollFunction[bool](pred,
			chromedp.WithPollingArgs(sel, want, contains),
			chromedp.WithPollingInterval(25*time.Millisecond),
			chromedp.WithPollingTimeout(time.Until(deadline))))
		// A page that is still being replaced loses the poll's context:
		// poll again in the new one.
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") || time.Now().After(deadline) {
			break
		}
	}
	if err == nil {
		return
	}
	how := "want"
	if contains {
		how = "want it to contain"
	}
	if errors.Is(err, chromedp.ErrPollingTimeout) {
		b.t.Fatalf("%s: got %q, %s %q", sel, b.text(sel), how, want)
	}
	b.t.Fatalf("%s: waiting for %q: %v", sel, want, err)
}

// waitFocus waits until the element with id has the focus.
func (b *browser) waitFocus(id string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.PollFunction[bool](`(id) => document.activeElement && document.activeElement.id === id`,
		chromedp.WithPollingArgs(id),
		chromedp.WithPollingInterval(25*time.Millisecond),
		chromedp.WithPollingTimeout(browserWait)))
	if err == nil {
		return
	}
	got := b.eval(`(() => { const a = document.activeElement; return a ? a.tagName.toLowerCase() + (a.id ? "#" + a.id : "") : "nothing"; })()`)
	if errors.Is(err, chromedp.ErrPollingTimeout) {
		b.t.Fatalf("focus: got %s, want #%s", got, id)
	}
	b.t.Fatalf("focus: waiting for #%s: %v", id, err)
}

// checkHeaderRow fails the test when the page's header takes more than one
// row: when it is higher than maxHeight, or the language link is not in
// the row of the logo.
func (b *browser) checkHeaderRow(maxHeight int) {
	b.t.Helper()
	msg := b.eval(fmt.Sprintf(`(() => {
		const box = (sel) => document.querySelector(sel).getBoundingClientRect();
		const h = box("header.topbar"), logo = box(".brand"), lang = box(".lang-switch a");
		const problems = [];
		if (h.height > %d) problems.push("the header is " + Math.round(h.height) + " px high");
		if (lang.top >= logo.bottom || lang.bottom <= logo.top) {
			problems.push("the language link (top " + Math.round(lang.top) + ") is not in the row of the logo (" +
				Math.round(logo.top) + " to " + Math.round(logo.bottom) + ")");
		}
		if (document.documentElement.scrollWidth > document.documentElement.clientWidth) problems.push("the page scrolls sideways");
		return problems.join("; ");
	})()`, maxHeight))
	if msg != "" {
		b.t.Errorf("header at %s: %s, want one row", b.eval(`innerWidth + "×" + innerHeight`), msg)
	}
}

// choose picks the option value of the select with id, as a person does:
// the page sees a change event.
func (b *browser) choose(id, value string) {
	b.t.Helper()
	got := b.eval(fmt.Sprintf(`(() => {
		const s = document.getElementById(%q);
		s.value = %q;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return s.value;
	})()`, id, value))
	if got != value {
		b.t.Fatalf("#%s: got %q chosen, want %q", id, got, value)
	}
}

// screenshot saves a PNG of the page as name in the directory that
// $NUMEREK_SCREENSHOTS names, or in a temporary one: of the whole page when
// full, else of what the window shows.
func (b *browser) screenshot(name string, full bool) {
	b.t.Helper()
	var png []byte
	var err error
	if full {
		png, err = b.fullScreenshot()
	} else {
		png, err = chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	}
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if b.shots == "" {
		b.shots = os.Getenv("NUMEREK_SCREENSHOTS")
		if b.shots == "" {
			b.shots = b.t.TempDir()
		} else if err := os.MkdirAll(b.shots, 0o755); err != nil {
			b.t.Fatal(err)
		}
	}
	path := filepath.Join(b.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// fullScreenshot shoots the whole page at the width it has on screen.
// FullScreenshot would lay a page that scrolls out again without its scroll
// bar, 15 px wider, and crop it to the narrower width: the right margin
// would be lost and the layout would not be the one a person sees. So a
// page that scrolls is shot in a viewport of the width inside the scroll
// bar and the height of the content, and the viewport is set back after.
func (b *browser) fullScreenshot() ([]byte, error) {
	size, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int64](
		`[document.documentElement.clientWidth, document.documentElement.scrollHeight, window.innerWidth]`))
	if err != nil {
		return nil, err
	}
	if size[0] == size[2] { // no scroll bar
		return chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(size[0], size[1], b.viewportOpts...)); err != nil {
		return nil, err
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err := errors.Join(err, chromedp.Do(b.ctx, b.viewport)); err != nil {
		return nil, err
	}
	return png, nil
}

// checkConsole fails the test for each exception, error or warning the
// pages wrote to the console, except failed API calls, which the pages
// handle (GET /session answers 401 before the login).
func (b *browser) checkConsole() {
	b.t.Helper()
	// One round trip more, so a message still on its way has a chance to
	// reach the reader (at best: the reader runs on its own).
	b.eval(`""`)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if m.Source == "network" && strings.Contains(m.URL, "/api/v1/") {
			continue // an API answer such as 401, which the page handles itself
		}
		if m.Source == "network" && slices.ContainsFunc(b.expected, func(u string) bool { return strings.Contains(m.URL, u) }) {
			continue
		}
		switch m.Type {
		case chromedp.ConsoleException, chromedp.ConsoleError, chromedp.ConsoleWarning:
			b.t.Errorf("console %s at %s:%d: %s", m.Type, m.URL, m.Line+1, m.Text)
		}
	}
}

// pageText is the text with key in lang, its {name} placeholders filled
// from pairs of name and value.
func pageText(t *testing.T, lang, key string, pairs ...string) string {
	t.Helper()
	s, ok := pageTexts[lang][key]
	if !ok {
		t.Fatalf("no text %q in %q", key, lang)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, "{"+pairs[i]+"}", pairs[i+1])
	}
	return s
}

// TestBrowserClerkTerminal is the no-show story of TestClerkTerminalFlow,
// played by a clerk at the terminal with the mouse and the keyboard.
func TestBrowserClerkTerminal(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	for range 3 {
		d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	}
	// The dispenser reports a fault; the terminal shows it.
	d.must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"error","printer":"paper_out"}`)
	b := newBrowser(t, 1280, 900)

	b.open(tc.srv.URL + "/clerk")
	b.do("log in",
		chromedp.WaitVisible(chromedp.ID("view-login")),
		chromedp.SendKeys(chromedp.ID("login"), "anna"),
		chromedp.SendKeys(chromedp.ID("password"), "numerek"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("view-counter")),
	)
	b.choose("location-select", "centrum")
	b.do("counter list", chromedp.WaitReady(chromedp.CSS(`#counter-select option[value="1"]`)))
	b.choose("counter-select", "1")
	b.do("take counter 1",
		chromedp.Click(chromedp.ID("take-counter")),
		chromedp.WaitVisible(chromedp.ID("view-terminal")),
		chromedp.WaitEnabled(chromedp.ID("btn-next")),
	)
	b.waitText("#current-status", pageText(t, "pl", "terminal.none"), false)
	b.waitText("#waiting-count", "(3)", false)
	b.waitText("#device-list", pageText(t, "pl", "printer.paper_out"), true)
	b.waitText("#device-list", pageText(t, "pl", "device.never"), true)
	// The header names the clerk alone (the counter is in the heading of
	// the current client) and stays one row.
	b.waitText("#session-who", "Anna Nowak", false)
	b.waitText("#terminal-where", pageText(t, "pl", "terminal.counter", "n", "1"), true)
	b.checkHeaderRow(80)

	// Call next with the mouse. After each action the focus goes on to the
	// button of the next step: the clicked one is disabled meanwhile, and
	// a keyboard user must not be left on the page's body.
	b.do("call next", chromedp.Click(chromedp.ID("btn-next")))
	b.waitText("#current-number", "A001", false)
	b.waitText("#current-status", pageText(t, "pl", "status.called"), false)
	b.waitFocus("btn-came")

	// X: the client did not come; A001 waits to be called again here.
	b.do("no-show", chromedp.WaitEnabled(chromedp.ID("btn-noshow")), chromedp.KeyEvent("x"))
	b.waitText("#pending-list", "A001", false)
	b.waitText("#current-number", "–", false)
	b.waitText("#status", pageText(t, "pl", "msg.noshow", "number", "A001"), false)
	b.waitFocus("btn-next")

	b.do("call next", chromedp.WaitEnabled(chromedp.ID("btn-next")), chromedp.Click(chromedp.ID("btn-next")))
	b.waitText("#current-number", "A002", false)
	b.waitFocus("btn-came")

	// K, Z: A002 came and was served; the engine calls A001 again by itself.
	b.do("came", chromedp.WaitEnabled(chromedp.ID("btn-came")), chromedp.KeyEvent("k"))
	b.waitText("#current-status", pageText(t, "pl", "status.serving"), false)
	b.waitFocus("btn-finish")
	b.do("finish", chromedp.WaitEnabled(chromedp.ID("btn-finish")), chromedp.KeyEvent("z"))
	b.waitText("#current-number", "A001", false)
	b.waitFocus("btn-came") // A001 is called again: did the client come this time?
	attempt := pageText(t, "pl", "terminal.attempt", "n", "2", "max", fmt.Sprint(tc.cfg.Branch.Rules.MaxCalls))
	b.waitText("#current-attempt", attempt, false)
	b.waitText("#status", pageText(t, "pl", "msg.autoCalled", "number", "A001", "attempt", attempt), true)
	b.waitText("#pending-list", pageText(t, "pl", "queue.none"), false)

	v := tc.view("centrum")
	if c := v.Counters[0]; c.Number != 1 || c.Current == nil || c.Current.Number != "A001" || c.Current.Calls != 2 {
		t.Fatalf("server: got counter %d with %+v, want counter 1 calling A001 the 2nd time", c.Number, c.Current)
	}

	// A ticket issued elsewhere appears without a reload: the page follows
	// the event stream.
	d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"B"}`)
	b.waitText("#waiting-list", "B001", true)
	b.waitText("#waiting-count", "(2)", false)
	if got := b.eval(`String(document.getElementById("offline").hidden)`); got != "true" {
		t.Fatalf("#offline hidden: got %s, want true", got)
	}
	// The clerk's work is on screen without scrolling: the numbers to call
	// again, the queue and the missed tickets.
	for _, id := range []string{"pending-heading", "waiting-heading", "waiting-list", "missed-heading", "missed-list"} {
		if got := b.eval(fmt.Sprintf(`(() => {
			const r = document.getElementById(%q).getBoundingClientRect();
			return r.top >= 0 && r.bottom <= innerHeight ? "" : "from " + Math.round(r.top) + " to " + Math.round(r.bottom);
		})()`, id)); got != "" {
			t.Errorf("#%s: %s, want it within the window's %s px", id, got, b.eval(`String(innerHeight)`))
		}
	}
	b.screenshot("clerk-terminal-pl.png", true)
	b.screenshot("clerk-terminal-pl-window.png", false)

	// The language switch: the same terminal in English.
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(".lang-switch a"))); err != nil {
		t.Fatalf("switch to English: %v", err)
	}
	b.do("English terminal", chromedp.WaitVisible(chromedp.ID("view-terminal")))
	b.waitText("#btn-next", "Call next", true)
	b.waitText("#current-number", "A001", false)
	b.waitText("#waiting-list", "B001", true)
	b.waitText("#session-who", "Anna Nowak", false)
	b.checkHeaderRow(80)
	b.screenshot("clerk-terminal-en.png", true)
	b.checkConsole()
}

// TestBrowserKiosk takes two tickets at the touch-screen kiosk.
func TestBrowserKiosk(t *testing.T) {
	tc := newTestController(t)
	b := newBrowser(t, 1080, 1920, chromedp.EmulatePortrait, chromedp.EmulateTouch) // a portrait touch screen

	// The link with the token sets the device cookie and leads to /kiosk.
	b.open(tc.srv.URL + "/kiosk?token=demo-centrum-kiosk")
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if want := tc.srv.URL + "/kiosk"; loc != want {
		t.Fatalf("after the token link: got %s, want %s", loc, want)
	}
	buttonA := chromedp.CSS(`.service-btn[data-service="A"]`)
	b.do("services", chromedp.WaitVisible(buttonA))
	// Every button holds its name: none sticks out, no word is broken
	// across lines (a name breaks between words only).
	if msg := b.eval(`(() => {
		const problems = [];
		document.querySelectorAll(".service-btn").forEach((btn) => {
			const name = btn.querySelector(".service-name");
			const label = btn.getAttribute("data-service") + " " + (name ? name.textContent : "<no name>");
			for (const e of [btn, name]) {
				if (!e) continue;
				if (e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight) {
					problems.push(label + ": " + e.className + " content " + e.scrollWidth + "×" + e.scrollHeight +
						" in " + e.clientWidth + "×" + e.clientHeight);
				}
			}
			if (name && name.firstChild) {
				const text = name.firstChild.textContent;
				const re = /\S+/g;
				let m;
				while ((m = re.exec(text))) {
					const r = document.createRange();
					r.setStart(name.firstChild, m.index);
					r.setEnd(name.firstChild, m.index + m[0].length);
					if (r.getClientRects().length > 1) problems.push(label + ": the word " + JSON.stringify(m[0]) + " is broken across lines");
				}
				const box = btn.getBoundingClientRect(), nb = name.getBoundingClientRect();
				if (nb.left < box.left || nb.right > box.right) problems.push(label + ": the name sticks out of the button");
			}
		});
		return problems.join("; ");
	})()`); msg != "" {
		t.Errorf("kiosk buttons at 1080×1920: %s", msg)
	}
	b.checkHeaderRow(100)
	// The clock shows the controller's time (the test's fake clock, 9:00 in
	// Warsaw), not the device's.
	b.waitText("#kiosk-clock", "09:0", true)
	b.screenshot("kiosk-services.png", true)

	b.do("tap A", chromedp.Tap(buttonA))
	b.waitText("#result-number", "A001", false)
	b.waitText("#result-ahead", pageText(t, "pl", "kiosk.ahead", "n", "0"), false)
	b.waitText("#result-link", tc.cfg.PublicURL+"/t/", true)
	if v := tc.view("centrum"); len(v.Waiting) != 1 || v.Waiting[0].Number != "A001" {
		t.Fatalf("server: got waiting %+v, want A001 alone", v.Waiting)
	}
	// The kiosk says the wait as the e-ticket does.
	link := b.text("#result-link")
	ts, ok := tc.c.engine.TicketByToken(link[strings.LastIndex(link, "/")+1:])
	if !ok {
		t.Fatalf("the kiosk's e-ticket link %q finds no ticket", link)
	}
	b.waitText("#result-estimate", pageText(t, "pl", "kiosk.estimate", "time", waitRange(pageTexts["pl"], ts.Estimate)), false)
	b.screenshot("kiosk-result.png", true)

	// Done, and the next visitor.
	b.do("done",
		chromedp.Tap(chromedp.ID("result-done")),
		chromedp.WaitVisible(buttonA),
		chromedp.WaitEnabled(buttonA),
		chromedp.Tap(buttonA),
	)
	b.waitText("#result-number", "A002", false)
	b.waitText("#result-ahead", pageText(t, "pl", "kiosk.ahead", "n", "1"), false)
	if v := tc.view("centrum"); len(v.Waiting) != 2 || v.Waiting[1].Number != "A002" {
		t.Fatalf("server: got waiting %+v, want A001 and A002", v.Waiting)
	}
	b.checkConsole()
}

// clickAndLoad clicks the element with id, which loads a new page (a
// form's submit button), and waits until the new page has loaded.
func (b *browser) clickAndLoad(what, id string) {
	b.t.Helper()
	b.doAndLoad(what, chromedp.Click(chromedp.ID(id)))
}

// doAndLoad runs action, which loads a new page (a click, an Enter in a
// form), and waits until that page has loaded.
func (b *browser) doAndLoad(what string, action chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	const origin = `document.readyState === "complete" ? String(performance.timeOrigin) : ""`
	before := b.eval(origin)
	b.do(what, action)
	deadline := time.Now().Add(browserWait)
	for {
		// Errors are expected while the page changes.
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](origin))
		if err == nil && s != "" && s != before {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no new page loaded", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// axePath is axe-core, installed by make test (npm ci --prefix tools/a11y).
var axePath = filepath.Join("..", "tools", "a11y", "node_modules", "axe-core", "axe.min.js")

// checkAccessibility runs axe-core on the page as it is now, for the rules
// of WCAG 2.1 A and AA, and fails the test for each violation. Without
// axe-core it skips the check, except in CI.
func (b *browser) checkAccessibility(what string) {
	b.t.Helper()
	src, err := os.ReadFile(axePath)
	if err != nil {
		if os.Getenv("CI") != "" {
			b.t.Fatalf("axe-core: %v: CI must run the accessibility checks", err)
		}
		b.t.Logf("axe-core not installed (%v): no accessibility check of %s; make test installs it", err, what)
		return
	}
	// Injected through DevTools, which the page's CSP does not govern.
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		b.t.Fatalf("axe-core: inject: %v", err)
	}
	report, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
		resultTypes: ["violations"]
	}).then((r) => r.violations.map((v) =>
		v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.map((n) => n.target.join(" ")).join(", ")
	).join("\n"))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe-core: run: %v", err)
	}
	if report != "" {
		b.t.Errorf("accessibility of %s (axe-core, WCAG 2.1 AA):\n%s", what, report)
	}
}

// TestBrowserETicket follows a ticket on a phone: live while the clerk
// calls, the called state, and leaving the queue with another ticket.
func TestBrowserETicket(t *testing.T) {
	tc := newTestController(t)
	tc.issue("A")
	number, path := tc.issue("A")
	tc.issue("A")
	b := newBrowser(t, 390, 844, chromedp.EmulateTouch) // a phone

	b.open(tc.srv.URL + path)
	b.waitText("#et-number", pageText(t, "pl", "et.number")+" "+number, false)
	b.waitText("#et-headline", pageText(t, "pl", "et.waiting"), false)
	b.waitText("#et-ahead", pageText(t, "pl", "et.ahead", "n", "1"), false)
	b.checkHeaderRow(80)
	b.screenshot("eticket-waiting.png", true)
	b.checkAccessibility("the waiting e-ticket")

	anna := tc.client()
	anna.login("anna", "numerek")
	base := "/api/v1/locations/centrum/counters/3/"
	anna.must(200, "POST", base+"open", "")
	anna.must(200, "POST", base+"call-next", "")
	b.waitText("#et-ahead", pageText(t, "pl", "et.ahead", "n", "0"), false)
	anna.must(200, "POST", base+"finish", "")
	// The page vibrates on a call: watch what it asks of the phone.
	b.eval(`(() => { window.vibrated = []; navigator.vibrate = (p) => { window.vibrated.push(JSON.stringify(p)); return true; }; return ""; })()`)
	anna.must(200, "POST", base+"call-next", "")
	b.waitText("#et-headline", pageText(t, "pl", "et.called", "counter", "3"), false)
	if got := b.eval(`window.vibrated.join(" ") + " | " + document.title`); !strings.HasPrefix(got, "[300,150,300] | "+pageText(t, "pl", "et.called", "counter", "3")) {
		t.Errorf("on the call: vibrations and title %q, want one vibration and the call in the title", got)
	}
	if got := b.eval(`document.getElementById("et").className + " " + document.getElementById("et-ahead").hidden`); got != "card et et-called true" {
		t.Errorf("called: section %q, want the called style and no people ahead", got)
	}
	b.screenshot("eticket-called.png", true)
	b.checkAccessibility("the called e-ticket")

	anna.must(200, "POST", base+"no-show", "")
	b.waitText("#et-headline", pageText(t, "pl", "et.no_show", "counter", "3"), false)
	b.screenshot("eticket-no-show.png", true)
	// The no-show rule calls it again after the next client: it rings again.
	anna.must(200, "POST", base+"call-next", "")
	anna.must(200, "POST", base+"finish", "")
	b.waitText("#et-detail", pageText(t, "pl", "et.called.again", "call", "2", "max", "3"), false)
	if got := b.eval(`String(window.vibrated.length)`); got != "2" {
		t.Errorf("called again: %s vibrations, want 2", got)
	}

	// Another ticket leaves the queue, after saying yes.
	_, leavePath := tc.issue("A")
	b.open(tc.srv.URL + leavePath)
	b.do("leave", chromedp.Click(chromedp.ID("et-leave-start")), chromedp.WaitVisible(chromedp.ID("et-leave-yes")))
	b.waitText("#et-leave-question", pageText(t, "pl", "et.leave.question"), false)
	b.screenshot("eticket-leave-confirm.png", true)
	b.checkAccessibility("the leave confirmation")
	b.do("yes", chromedp.Click(chromedp.ID("et-leave-yes")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	b.waitText("#et-headline", pageText(t, "pl", "et.cancelled"), false)
	b.screenshot("eticket-left.png", true)
	if v := tc.view("centrum"); len(v.Waiting) != 0 {
		t.Errorf("waiting after leaving: %+v, want nobody", v.Waiting)
	}
	b.checkConsole()
}

// TestBrowserETicketNotify sets a notification on a phone, with a mistake
// first, and reads the message from the development outbox.
func TestBrowserETicketNotify(t *testing.T) {
	tc := newTestController(t)
	for range 4 {
		tc.issue("A")
	}
	number, path := tc.issue("A")
	b := newBrowser(t, 390, 844, chromedp.EmulateTouch)
	b.open(tc.srv.URL + path)
	b.expected = append(b.expected, path+"/notify")
	b.do("a landline", chromedp.SendKeys(chromedp.ID("et-contact"), "22 123 45 67"))
	b.clickAndLoad("submit", "et-notify-submit")
	b.waitText("#et-contact-error", "nie jest numerem komórkowym", true)
	if got := b.eval(`document.activeElement.id + " " + document.getElementById("et-contact").getAttribute("aria-describedby")`); got != "et-contact et-contact-hint et-contact-error" {
		t.Errorf("after the mistake: focus and description %q, want the field with its error", got)
	}
	b.screenshot("eticket-notify-error.png", true)
	b.checkAccessibility("the notification form with an error")

	b.eval(`document.getElementById("et-contact").value = ""`)
	b.do("a mobile", chromedp.SendKeys(chromedp.ID("et-contact"), "600 700 800"))
	b.choose("et-when", "ahead:3")
	b.clickAndLoad("submit", "et-notify-submit")
	b.waitText("#et-notify-summary", "*** *** 800", true)
	b.screenshot("eticket-notify-set.png", true)
	b.checkAccessibility("the e-ticket with a notification")

	anna := tc.client()
	anna.login("anna", "numerek")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/open", "")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	tc.settle()
	tc.sent(1)
	b.open(tc.srv.URL + "/dev/outbox")
	b.waitText(".outbox tbody", number+": czas wracać do biura", true)
	b.screenshot("outbox.png", true)
	b.checkConsole()
}

// TestBrowserDisplay shows the web display on a TV: a call made through the
// API shows on the group screen (landscape and portrait) and on the
// counter's own screen; the waiting numbers that do not fit are counted.
func TestBrowserDisplay(t *testing.T) {
	tc := newTestController(t)
	for range 40 {
		tc.issue("A")
	}
	tc.issue("B")
	anna := tc.client()
	anna.login("anna", "numerek")
	base := "/api/v1/locations/centrum/counters/1/"

	b := newBrowser(t, 1920, 1080)
	b.open(tc.srv.URL + "/display/centrum?info=" + url.QueryEscape("Biuro czynne do 16:00"))
	b.waitText("#now", pageText(t, "pl", "display.none"), false)
	b.waitText(".service-queue", "A001", true)
	// 40 numbers of A do not fit: the last chip counts the rest.
	more := b.text(".service-queue .wait-chip.more")
	if !strings.HasPrefix(more, "+") || !strings.HasSuffix(more, "więcej") {
		t.Errorf("overflow mark: got %q, want +N więcej", more)
	}
	if got := b.eval(`(() => { const c = document.querySelector(".service-queue .wait-chips"); return String(c.scrollHeight <= c.clientHeight + 1); })()`); got != "true" {
		t.Errorf("the waiting numbers overflow their box")
	}
	anna.must(200, "POST", base+"open", "")
	anna.must(200, "POST", base+"call-next", "")
	b.waitText("#now", "A001→"+pageText(t, "pl", "display.counter")+" 1", false)
	if got := b.eval(`document.getElementById("now").className`); got != "now blink" {
		t.Errorf("a new call: class %q, want it blinking", got)
	}
	b.waitText(".service-queue .wait-chip", "A002", false) // A001 left the waiting numbers
	anna.must(200, "POST", base+"finish", "")
	anna.must(200, "POST", base+"call-next", "")
	b.waitText("#now", "A002→"+pageText(t, "pl", "display.counter")+" 1", false)
	b.waitText(".service-queue .wait-chip", "A003", false)
	if got := b.eval(`Array.from(document.querySelectorAll("#recent tr")).map((r) => Array.from(r.cells).map((c) => c.textContent).join(" ")).join("; ")`); got != "A001 1" {
		t.Errorf("recent calls: got %q, want A001 at 1", got)
	}
	// The numbers re-rendered mid-blink (a ticket issued) must flip with
	// their box: one animation, on the box, drives every colour. Then both
	// phases of it, held still, keep their contrast.
	tc.issue("B")
	b.waitText("#waiting", "B002", true)
	if got := b.eval(`document.getAnimations().map((a) => a.effect.target.id || a.effect.target.className).join(",")`); got != "now" {
		t.Errorf("animations running during a blink: %q, want only the box (now)", got)
	}
	for _, phase := range []struct {
		at     int
		colour string
	}{{250, "rgb(11, 22, 32) on rgb(255, 216, 77)"}, {750, "rgb(255, 216, 77) on rgb(19, 49, 77)"}} {
		got := b.eval(fmt.Sprintf(`(() => {
			document.getAnimations().forEach((a) => { a.pause(); a.currentTime = %d; });
			const n = getComputedStyle(document.querySelector(".now-number")).color;
			return n + " on " + getComputedStyle(document.getElementById("now")).backgroundColor;
		})()`, phase.at))
		if got != phase.colour {
			t.Errorf("blink at %d ms: %s, want %s", phase.at, got, phase.colour)
		}
		b.checkAccessibility(fmt.Sprintf("the group display, blinking at %d ms", phase.at))
		if phase.at == 250 {
			b.screenshot("display-group-blink.png", false)
		}
	}
	b.eval(`document.getAnimations().forEach((a) => a.finish()); ""`)
	b.screenshot("display-group-landscape.png", false)
	b.checkAccessibility("the group display")

	p := newBrowser(t, 1080, 1920, chromedp.EmulatePortrait)
	p.open(tc.srv.URL + "/display/centrum")
	p.waitText("#now", "A002→"+pageText(t, "pl", "display.counter")+" 1", false)
	p.screenshot("display-group-portrait.png", false)

	d := newBrowser(t, 1280, 720)
	d.open(tc.srv.URL + "/display/centrum/1")
	d.waitText("#desk-number", "A002", false)
	d.waitText("#desk-status", pageText(t, "pl", "display.calling"), false)
	d.screenshot("display-desk.png", false)
	anna.must(200, "POST", base+"came", "")
	d.waitText("#desk-status", pageText(t, "pl", "display.serving"), false)
	anna.must(200, "POST", base+"finish", "")
	anna.must(200, "POST", base+"close", "")
	d.waitText("#desk-status", pageText(t, "pl", "display.break"), false)
	d.screenshot("display-desk-break.png", false)
	d.checkAccessibility("the desk display")

	if status, _ := tc.page("GET", "/display/nowhere"); status != 404 {
		t.Errorf("unknown location: %d, want 404", status)
	}
	if status, _ := tc.page("GET", "/display/centrum/99"); status != 404 {
		t.Errorf("unknown counter: %d, want 404", status)
	}
	b.checkConsole()
	d.checkConsole()
}
