package controller

// The staff's pages in a real browser: the manager's statistics, the
// device health and the long-wait banner of the clerk terminal, each shot
// and checked with axe-core.

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// navigate opens url, which may answer an error page on purpose, and
// returns its status.
func (b *browser) navigate(url string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(url))
	if err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// logIn logs in at the clerk terminal's form, which is on screen.
func (b *browser) logIn(login string) {
	b.t.Helper()
	b.do("log in as "+login,
		chromedp.WaitVisible(chromedp.ID("view-login")),
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), "numerek"),
		chromedp.Click(chromedp.ID("login-submit")),
	)
}

// waitPath waits until the page at path has loaded: the page before it
// navigates there by itself.
func (b *browser) waitPath(path string) {
	b.t.Helper()
	b.waitFor("the page "+path, fmt.Sprintf(`location.pathname === %q && document.readyState === "complete"`, path))
}

// waitGone waits until the text of sel no longer contains text.
func (b *browser) waitGone(sel, text string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%s without %q", sel, text), fmt.Sprintf(`!(%s)(%q).includes(%q)`, browserTextJS, sel, text))
}

// waitFor evaluates the expression cond until it is true, also across
// the loading of a new page, during which evaluating fails.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: %v (at %s)", what, err, b.eval(`location.pathname + location.search`))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// checkNoOverflow fails the test when the page scrolls sideways.
func (b *browser) checkNoOverflow(what string) {
	b.t.Helper()
	if got := b.eval(`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); got != "0" {
		b.t.Errorf("%s scrolls sideways by %s px", what, got)
	}
}

// TestBrowserManager: the manager, not logged in, follows the login link,
// logs in at the clerk terminal and comes back to the statistics of the
// hand-made morning; then the English page, a mistake, and a phone.
func TestBrowserManager(t *testing.T) {
	tc := newTestController(t)
	opsDay(tc)
	b := newBrowser(t, 1280, 900)
	b.expected = append(b.expected, "/manager")

	if status := b.navigate(tc.srv.URL + "/manager"); status != 401 {
		t.Fatalf("/manager without a session: got %d, want 401", status)
	}
	b.waitText("h1", pageText(t, "pl", "ops.login.heading"), false)
	b.checkAccessibility("the manager's login page")
	b.screenshot("manager-login.png", false)
	b.doAndLoad("follow the login link", chromedp.Click(chromedp.ID("login-link")))
	b.logIn("ewa")
	b.waitPath("/manager")

	b.waitText("h1", pageText(t, "pl", "mgr.heading"), true)
	b.waitText("h1", "Centrum", true)
	b.waitText("#wait-alerts", "numer B002 czeka już 36 min", true)
	b.waitText("#queue-table tfoot", "Razem 6 4 10 min 20 min 9 min 75% (3 z 4) poniżej celu", false)
	if got := b.eval(`Array.from(document.querySelectorAll("#counters-table tbody tr")).map((r) => Array.from(r.cells).map((c) => c.textContent).join(" ")).join("; ")`); got != "Stanowisko 1 2 9 min; Stanowisko 2 2 5 min" {
		t.Errorf("counters: got %q", got)
	}
	for _, id := range []string{"chart-hours", "chart-waits"} {
		if got := b.eval(fmt.Sprintf(`(() => { const s = document.querySelector('svg[aria-labelledby^=%q]'); return s ? String(Math.round(s.getBoundingClientRect().width)) : "none"; })()`, id)); got == "none" || got == "0" {
			t.Errorf("chart %s: width %s, want it drawn", id, got)
		}
	}
	b.checkHeaderRow(80)
	b.checkNoOverflow("the manager's page")
	b.screenshot("manager-pl.png", true)
	b.screenshot("manager-pl-window.png", false)
	b.checkAccessibility("the manager's page")

	// The form: a range of days, chosen and sent as a person does.
	b.do("choose a week",
		chromedp.SetValue(chromedp.ID("from"), "2026-11-18"),
		chromedp.SetValue(chromedp.ID("to"), "2026-11-24"),
	)
	b.doAndLoad("show", chromedp.Click(chromedp.CSS(".ops-submit button")))
	b.waitText(".ops-period", pageText(t, "pl", "mgr.period.range", "from", "18.11.2026", "to", "24.11.2026", "days", "7"), true)

	// A mistake: the page says what is wrong, at the field.
	if status := b.navigate(tc.srv.URL + "/manager?from=2026-11-24&to=2026-11-20"); status != 400 {
		t.Fatalf("to before from: got %d, want 400", status)
	}
	b.waitText("#form-error", "jest wcześniejsza niż początkowa", true)
	if got := b.eval(`document.getElementById("to").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("the wrong field: aria-invalid %q, want true", got)
	}
	b.screenshot("manager-error.png", false)
	b.checkAccessibility("the manager's page with a mistake")

	// English: the language link keeps the session.
	b.open(tc.srv.URL + "/manager?lang=en")
	b.waitText("h1", pageText(t, "en", "mgr.heading"), true)
	b.waitText("#queue-table tfoot", "Total 6 4 10 min 20 min 9 min 75% (3 of 4) below target", false)
	b.checkHeaderRow(80)
	b.screenshot("manager-en.png", true)
	b.checkAccessibility("the English manager's page")
	b.checkConsole()

	// A phone: one column, nothing wider than the screen but the tables,
	// which scroll in their own box.
	p := newBrowser(t, 390, 844, chromedp.EmulateTouch)
	p.open(tc.srv.URL + "/clerk?lang=pl&next=%2Fmanager")
	p.logIn("ewa")
	p.waitPath("/manager")
	p.waitText("#queue-table tfoot", "Razem 6", true)
	p.checkNoOverflow("the manager's page on a phone")
	p.screenshot("manager-phone.png", true)
	p.checkAccessibility("the manager's page on a phone")
	p.checkConsole()
}

// TestBrowserDevices: a clerk sees which device went silent, which has a
// problem and which never reported.
func TestBrowserDevices(t *testing.T) {
	tc := newTestController(t)
	tc.device(dispenserToken).must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"ok","printer":"ok","version":"0.9.1"}`)
	tc.clock.Advance(2 * time.Minute)
	tc.device(displayToken).must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"ok","version":"0.9.1"}`)
	tc.device("demo-centrum-announcer").must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"degraded","detail":"no sound card: writing WAV files","version":"0.9.1"}`)
	tc.device("demo-centrum-kiosk").must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"error","printer":"paper_out","detail":"no paper","version":"0.9.1"}`)

	b := newBrowser(t, 1280, 900)
	b.open(tc.srv.URL + "/clerk?next=%2Fdevices")
	b.logIn("anna")
	b.waitPath("/devices")
	b.waitText("#silent-alert", "centrum-dispenser", true)
	b.waitText("#silent-alert", "ostatni sygnał o 09:00:00, 2 min temu", true)
	if got := b.eval(`document.getElementById("silent-alert").getAttribute("role")`); got != "alert" {
		t.Errorf("the silence: role %q, want alert", got)
	}
	b.waitText(`[data-device="centrum-announcer"] .dev-state`, "działa z problemem", true)
	b.waitText(`[data-device="centrum-kiosk"] .dev-printer`, "brak papieru", false)
	b.waitText(`[data-device="centrum-display-1"] .dev-state`, "nie zgłosiło się", false)
	if got := b.eval(`String(document.querySelectorAll("#devices-zachod tbody tr").length)`); got != "4" {
		t.Errorf("Zachód's devices: got %s rows, want 4", got)
	}
	b.checkHeaderRow(80)
	b.checkNoOverflow("the devices' page")
	b.screenshot("devices-pl.png", true)
	b.checkAccessibility("the devices' page")

	// The dispenser speaks again: no alert after a refresh.
	tc.device(dispenserToken).must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"ok","printer":"ok","version":"0.9.1"}`)
	b.doAndLoad("refresh", chromedp.Click(chromedp.CSS(".ops-asof a")))
	b.waitGone("#silent-alert", "centrum-dispenser")
	b.open(tc.srv.URL + "/devices?lang=en")
	b.waitText("h1", pageText(t, "en", "dev.heading"), false)
	b.screenshot("devices-en.png", true)
	b.checkAccessibility("the English devices' page")
	b.checkConsole()
}

// TestBrowserClerkWaitAlert: the clerk terminal shows the services that
// waited too long, and stops once the oldest ticket is called.
func TestBrowserClerkWaitAlert(t *testing.T) {
	tc := newTestController(t)
	tc.issue("A")
	tc.issue("B")
	tc.clock.Advance(25 * time.Minute)
	tc.issue("A")
	tc.clock.Advance(10 * time.Minute) // A001 and B001 have waited 35 minutes

	b := newBrowser(t, 1280, 900)
	b.open(tc.srv.URL + "/clerk")
	b.logIn("anna")
	b.do("counter form", chromedp.WaitVisible(chromedp.ID("view-counter")))
	b.choose("location-select", "centrum")
	b.do("counter list", chromedp.WaitReady(chromedp.CSS(`#counter-select option[value="1"]`)))
	b.choose("counter-select", "1")
	b.do("take counter 1", chromedp.Click(chromedp.ID("take-counter")), chromedp.WaitVisible(chromedp.ID("view-terminal")))
	b.waitText("#wait-alerts", pageText(t, "pl", "walert.title"), true)
	b.waitText("#wait-alerts", "A – Rejestracja pojazdów: numer A001 czeka już 35 min (próg: 30 min).", true)
	b.waitText("#wait-alerts", "B – Prawa jazdy: numer B001 czeka już 35 min", true)
	if got := b.eval(`document.getElementById("wait-alerts").getAttribute("role")`); got != "status" {
		t.Errorf("the banner: role %q, want status", got)
	}
	b.screenshot("clerk-wait-alert.png", false)
	b.checkAccessibility("the clerk terminal with a long wait")

	// A001 is called: A002 has waited 10 minutes only; B001 still waits.
	b.do("call next", chromedp.WaitEnabled(chromedp.ID("btn-next")), chromedp.Click(chromedp.ID("btn-next")))
	b.waitText("#current-number", "A001", false)
	b.waitGone("#wait-alerts", "A001")
	b.waitText("#wait-alerts", "B001", true)
	b.do("finish", chromedp.WaitEnabled(chromedp.ID("btn-came")), chromedp.Click(chromedp.ID("btn-came")))
	b.do("finish", chromedp.WaitEnabled(chromedp.ID("btn-finish")), chromedp.Click(chromedp.ID("btn-finish")))
	b.do("call next", chromedp.WaitEnabled(chromedp.ID("btn-next")), chromedp.Click(chromedp.ID("btn-next")))
	b.waitText("#current-number", "A002", false)
	b.do("came", chromedp.WaitEnabled(chromedp.ID("btn-came")), chromedp.Click(chromedp.ID("btn-came")))
	b.do("finish", chromedp.WaitEnabled(chromedp.ID("btn-finish")), chromedp.Click(chromedp.ID("btn-finish")))
	b.do("call next", chromedp.WaitEnabled(chromedp.ID("btn-next")), chromedp.Click(chromedp.ID("btn-next")))
	b.waitText("#current-number", "B001", false)
	b.waitGone("#wait-alerts", pageText(t, "pl", "walert.title"))
	b.checkConsole()
}
