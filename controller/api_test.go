package controller

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// tuesday9 is Tuesday 24 November 2026, 9:00 in Warsaw: every office of the
// example is open.
var tuesday9 = time.Date(2026, 11, 24, 9, 0, 0, 0, queuetest.Warsaw)

const (
	dispenserToken = "demo-centrum-dispenser"
	displayToken   = "demo-centrum-display"
	plazaToken     = "demo-plaza-dispenser"
)

type testController struct {
	t     *testing.T
	c     *Controller
	srv   *httptest.Server
	clock *queuetest.Clock
	cfg   Config
}

// newTestController runs the example configuration on a fresh database in a
// temporary directory, on a fake clock.
func newTestController(t *testing.T) *testController {
	t.Helper()
	cfg, err := LoadConfig(filepath.Join("..", "configs", "numerek.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = filepath.Join(t.TempDir(), "numerek.db")
	tc := &testController{t: t, clock: queuetest.NewClock(tuesday9), cfg: cfg}
	tc.start()
	return tc
}

func (tc *testController) start() {
	tc.t.Helper()
	c, err := Open(tc.cfg, Options{Clock: tc.clock, Logger: slog.New(slog.DiscardHandler), Hub: HubOptions{Heartbeat: time.Second}})
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.c = c
	tc.srv = newServer(c)
	tc.t.Cleanup(tc.stop)
}

// newServer serves c on loopback for a test.
func newServer(c *Controller) *httptest.Server { return httptest.NewServer(c.Handler()) }

func (tc *testController) stop() {
	if tc.srv != nil {
		tc.srv.CloseClientConnections()
		tc.c.hub.Close()
		tc.srv.Close()
		tc.c.Close()
		tc.srv = nil
	}
}

// restart closes the controller and opens it again on the same database.
func (tc *testController) restart() {
	tc.t.Helper()
	tc.stop()
	tc.start()
}

// client is an HTTP client with a cookie jar, as a browser would be.
type client struct {
	tc    *testController
	http  *http.Client
	csrf  string
	token string // device bearer token
}

func (tc *testController) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{tc: tc, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (tc *testController) device(token string) *client {
	cl := tc.client()
	cl.token = token
	return cl
}

// do sends a request and decodes the JSON answer (if any) into a map.
func (cl *client) do(method, path, body string, header ...string) (int, map[string]any) {
	cl.tc.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, cl.tc.srv.URL+path, rd)
	if err != nil {
		cl.tc.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	if cl.csrf != "" {
		req.Header.Set(csrfHeader, cl.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		cl.tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(data) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &out); err != nil {
			cl.tc.t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, data)
		}
	}
	return resp.StatusCode, out
}

// must sends a request that must answer want.
func (cl *client) must(want int, method, path, body string, header ...string) map[string]any {
	cl.tc.t.Helper()
	got, out := cl.do(method, path, body, header...)
	if got != want {
		cl.tc.t.Fatalf("%s %s: got status %d (%v), want %d", method, path, got, out, want)
	}
	return out
}

func (cl *client) login(login, password string) {
	cl.tc.t.Helper()
	out := cl.must(200, "POST", "/api/v1/session", fmt.Sprintf(`{"login":%q,"password":%q}`, login, password))
	cl.csrf = out["csrf"].(string)
}

func ticketNumber(out map[string]any) string {
	t, _ := out["ticket"].(map[string]any)
	n, _ := t["number"].(string)
	return n
}

func errorOf(out map[string]any) (code, msg string) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	msg, _ = e["message"].(string)
	return code, msg
}

func (tc *testController) view(loc string) queue.View {
	tc.t.Helper()
	v, err := tc.c.engine.View(loc)
	if err != nil {
		tc.t.Fatal(err)
	}
	return v
}

func TestIssueTicket(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	out := d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", "press-1")
	if got, want := ticketNumber(out), "A001"; got != want {
		t.Fatalf("number: got %q, want %q", got, want)
	}
	url, _ := out["eticket_url"].(string)
	if !strings.HasPrefix(url, tc.cfg.PublicURL+"/t/") || len(url) < len(tc.cfg.PublicURL)+3+22 {
		t.Fatalf("e-ticket url %q is not the public URL with a 128-bit token", url)
	}
	// The same press again (a retry): the same ticket, not a second one.
	again := d.must(200, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", "press-1")
	if ticketNumber(again) != "A001" || again["repeated"] != true || again["eticket_url"] != url {
		t.Fatalf("retry: got %v, want A001 repeated with the same e-ticket", again)
	}
	out = d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", "press-2")
	if got, want := ticketNumber(out), "A002"; got != want || out["ahead"] != 1.0 {
		t.Fatalf("second: got %q with %v ahead, want %q with 1", got, out["ahead"], want)
	}
	// The e-ticket JSON by token, and nothing by a wrong one.
	tok := url[strings.LastIndex(url, "/")+1:]
	et := tc.client().must(200, "GET", "/api/v1/tickets/"+tok, "")
	if ticketNumber(et) != "A001" {
		t.Fatalf("e-ticket: got %v", et)
	}
	tc.client().must(404, "GET", "/api/v1/tickets/"+strings.Repeat("x", 22), "")
	// Closed: Saturday.
	tc.clock.Set(time.Date(2026, 11, 28, 12, 0, 0, 0, queuetest.Warsaw))
	out = d.must(409, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	if code, msg := errorOf(out); code != queue.EClosed || !strings.Contains(msg, "closed") {
		t.Fatalf("closed: got %q %q", code, msg)
	}
}

// TestBadInput sends what a broken device, a curious visitor or an attacker
// might: each gets a 4xx with a message that says what was wrong, and
// nothing changes.
func TestBadInput(t *testing.T) {
	tc := newTestController(t)
	clerk := tc.client()
	clerk.login("anna", "numerek")
	noCSRF := tc.client()
	noCSRF.login("jan", "numerek")
	noCSRF.csrf = ""
	tests := []struct {
		name   string
		cl     *client
		method string
		path   string
		body   string
		header []string
		status int
		msg    string
	}{
		{"malformed JSON", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":`, nil, 400, "incomplete"},
		{"not JSON", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `service=A`, nil, 400, "not valid JSON"},
		{"JSON array", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `["A"]`, nil, 400, "JSON object"},
		{"wrong type", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":7}`, nil, 400, `"service" must be a string`},
		{"unknown field", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A","vip":true}`, nil, 400, `unknown field "vip"`},
		{"two objects", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}{"service":"B"}`, nil, 400, "after the JSON"},
		{"empty body", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", ``, nil, 400, "empty"},
		{"oversized body", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"` + strings.Repeat("A", 20000) + `"}`, nil, 413, "larger than"},
		{"wrong media type", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		{"missing service", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{}`, nil, 400, `"service" is missing`},
		{"unknown service", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"Z"}`, nil, 404, `unknown service "Z"`},
		{"long idempotency key", tc.device(dispenserToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, []string{"Idempotency-Key", strings.Repeat("k", 200)}, 400, "idempotency key"},
		{"unknown location", tc.device(dispenserToken), "POST", "/api/v1/locations/atlantis/tickets", `{"service":"A"}`, nil, 404, `unknown location "atlantis"`},
		{"no token", tc.client(), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, nil, 401, "device token"},
		{"wrong token", tc.device("guess"), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, nil, 401, "unknown device token"},
		{"bad authorization", tc.client(), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, []string{"Authorization", "Basic eDp5"}, 401, "Bearer"},
		{"display token cannot issue", tc.device(displayToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, nil, 403, "display device may not"},
		{"other location's dispenser", tc.device(plazaToken), "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, nil, 403, "belongs to plaza"},
		{"display token cannot call", tc.device(displayToken), "POST", "/api/v1/locations/centrum/counters/1/call-next", ``, nil, 401, "not logged in"},
		{"clerk action logged out", tc.client(), "POST", "/api/v1/locations/centrum/counters/1/call-next", ``, nil, 401, "not logged in"},
		{"clerk action without CSRF", noCSRF, "POST", "/api/v1/locations/centrum/counters/1/open", ``, nil, 403, "X-CSRF-Token"},
		{"cross-site clerk action", clerk, "POST", "/api/v1/locations/centrum/counters/1/open", ``, []string{"Origin", "https://evil.example"}, 403, "cross-origin"},
		{"call without a counter", clerk, "POST", "/api/v1/locations/centrum/counters/1/call-next", ``, nil, 409, "take a counter first"},
		{"counter not a number", clerk, "POST", "/api/v1/locations/centrum/counters/abc/open", ``, nil, 400, "not a positive whole number"},
		{"unknown counter", clerk, "POST", "/api/v1/locations/centrum/counters/77/open", ``, nil, 404, "unknown counter 77"},
		{"clerk at a location not theirs", clerk, "POST", "/api/v1/locations/plaza/counters/1/open", ``, nil, 403, "does not work at plaza"},
		{"unknown counter action", clerk, "POST", "/api/v1/locations/centrum/counters/1/dance", ``, nil, 409, "take a counter first"},
		{"restore a ticket that is not there", clerk, "POST", "/api/v1/locations/centrum/tickets/A404/restore", ``, nil, 404, `no ticket "A404"`},
		{"unknown ticket action", clerk, "POST", "/api/v1/locations/centrum/tickets/A001/eat", ``, nil, 404, "unknown ticket action"},
		{"unknown e-ticket", tc.client(), "GET", "/api/v1/tickets/nope", ``, nil, 404, "no such ticket"},
		{"unknown API path", tc.client(), "GET", "/api/v1/nothing", ``, nil, 404, "no API endpoint"},
		{"unknown location view", tc.client(), "GET", "/api/v1/locations/atlantis/view", ``, nil, 404, "unknown location"},
		{"unknown location stream", tc.client(), "GET", "/api/v1/locations/atlantis/events", ``, nil, 404, "unknown location"},
		{"wrong password", tc.client(), "POST", "/api/v1/session", `{"login":"anna","password":"nope"}`, nil, 401, "wrong login or password"},
		{"unknown clerk", tc.client(), "POST", "/api/v1/session", `{"login":"ghost","password":"nope"}`, nil, 401, "wrong login or password"},
		{"empty login", tc.client(), "POST", "/api/v1/session", `{"login":"","password":""}`, nil, 400, "login and password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tc.view("centrum")
			status, out := tt.cl.do(tt.method, tt.path, tt.body, tt.header...)
			if status != tt.status {
				t.Fatalf("got status %d (%v), want %d", status, out, tt.status)
			}
			if _, msg := errorOf(out); !strings.Contains(msg, tt.msg) {
				t.Fatalf("got message %q, want it to contain %q", msg, tt.msg)
			}
			if after := tc.view("centrum"); after.Seq != before.Seq {
				t.Fatalf("state changed: seq %d, want %d", after.Seq, before.Seq)
			}
		})
	}
}

// TestClerkTerminalFlow is the seed's no-show story through the API, with a
// logged-in clerk.
func TestClerkTerminalFlow(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	for range 3 {
		d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	}
	anna := tc.client()
	anna.login("anna", "numerek")
	ses := anna.must(200, "GET", "/api/v1/session", "")
	if ses["counter"] != nil {
		t.Fatalf("fresh session has a counter: %v", ses["counter"])
	}
	base := "/api/v1/locations/centrum/counters/1/"
	anna.must(200, "POST", base+"open", "")
	steps := []struct {
		action, body string
		status       int
		want         string
	}{
		{"call-next", "", 200, "A001"},
		{"recall", "", 200, "A001"},
		{"no-show", "", 200, "A001"},
		{"no-show", "", 409, ""}, // nobody called now
		{"call-next", "", 200, "A002"},
		{"came", "", 200, "A002"},
		{"finish", "", 200, "A002"}, // A001 is called again automatically
		{"came", "", 200, "A001"},
		{"transfer", `{"service":"B"}`, 200, "A001"},
		{"call", `{"number":"a003"}`, 200, "A003"},
		{"finish", "", 200, "A003"},
	}
	for i, s := range steps {
		status, out := anna.do("POST", base+s.action, s.body)
		if status != s.status {
			t.Fatalf("step %d %s: got %d (%v), want %d", i+1, s.action, status, out, s.status)
		}
		if s.want != "" && ticketNumber(out) != s.want {
			t.Fatalf("step %d %s: got %q, want %q", i+1, s.action, ticketNumber(out), s.want)
		}
	}
	// Another clerk cannot work at anna's counter, and anna cannot use two.
	jan := tc.client()
	jan.login("jan", "numerek")
	if status, out := jan.do("POST", base+"open", ""); status != 409 {
		t.Fatalf("jan at anna's counter: got %d %v, want 409", status, out)
	}
	if status, out := anna.do("POST", "/api/v1/locations/centrum/counters/2/open", ""); status != 409 {
		t.Fatalf("anna at a second counter: got %d %v, want 409", status, out)
	}
	anna.must(204, "DELETE", "/api/v1/session", "")
	anna.must(401, "GET", "/api/v1/session", "")
	// Logging out freed the counter.
	jan.must(200, "POST", base+"open", "")
}

func TestLoginRateLimit(t *testing.T) {
	tc := newTestController(t)
	cl := tc.client()
	for i := range 10 {
		if status, _ := cl.do("POST", "/api/v1/session", `{"login":"anna","password":"wrong"}`); status != 401 {
			t.Fatalf("attempt %d: got %d, want 401", i+1, status)
		}
	}
	out := cl.must(429, "POST", "/api/v1/session", `{"login":"anna","password":"numerek"}`)
	if code, _ := errorOf(out); code != ERateLimited {
		t.Fatalf("got code %q, want %q", code, ERateLimited)
	}
	tc.clock.Advance(61 * time.Second)
	cl.login("anna", "numerek")
}

// TestStateSurvivesRestart: tickets, calls, the counter and the clerk's
// session come back after the controller is closed and opened again.
func TestStateSurvivesRestart(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", "k1")
	d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	anna := tc.client()
	anna.login("anna", "numerek")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/open", "")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/no-show", "")
	before := tc.view("centrum")

	oldURL := tc.srv.URL
	tc.restart()
	if after := tc.view("centrum"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("after restart:\n got %+v\nwant %+v", after, before)
	}
	// The cookie jar is per URL: point the old clients at the new server.
	for _, cl := range []*client{d, anna} {
		jar := cl.http.Jar
		u1, _ := http.NewRequest("GET", oldURL, nil)
		u2, _ := http.NewRequest("GET", tc.srv.URL, nil)
		jar.SetCookies(u2.URL, jar.Cookies(u1.URL))
	}
	again := d.must(200, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`, "Idempotency-Key", "k1")
	if ticketNumber(again) != "A001" {
		t.Fatalf("idempotency after restart: got %q, want A001", ticketNumber(again))
	}
	if n := ticketNumber(d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)); n != "A003" {
		t.Fatalf("next number after restart: got %q, want A003", n)
	}
	out := anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	if ticketNumber(out) != "A002" {
		t.Fatalf("call after restart: got %q, want A002", ticketNumber(out))
	}
	if out = anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/finish", ""); ticketNumber(out) != "A002" {
		t.Fatalf("finish after restart: got %q, want A002", ticketNumber(out))
	}
	if v := tc.view("centrum"); v.Counters[0].Current == nil || v.Counters[0].Current.Number != "A001" {
		t.Fatalf("the no-show was not called again after restart: %+v", v.Counters[0])
	}
}

// TestSnapshotAndReplay: after a snapshot the controller starts from it and
// the events after it.
func TestSnapshotAndReplay(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	for range 5 {
		d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	}
	seq, data, err := tc.c.engine.Snapshot("centrum")
	if err != nil {
		t.Fatal(err)
	}
	if err := tc.c.db.SaveSnapshot("centrum", seq, data); err != nil {
		t.Fatal(err)
	}
	d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"B"}`)
	before := tc.view("centrum")
	tc.restart()
	if after := tc.view("centrum"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("after restart from a snapshot:\n got %+v\nwant %+v", after, before)
	}
}

// TestTwoCountersNeverGetTheSameTicket presses "call next" at two counters
// at once, over HTTP, until the queue is empty.
func TestTwoCountersNeverGetTheSameTicket(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	const n = 40
	for range n {
		d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	}
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for i, login := range []string{"anna", "jan"} {
		cl := tc.client()
		cl.login(login, "numerek")
		base := fmt.Sprintf("/api/v1/locations/centrum/counters/%d/", i+1)
		cl.must(200, "POST", base+"open", "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				status, out := cl.do("POST", base+"call-next", "")
				if status == 404 {
					return
				}
				if status != 200 {
					t.Errorf("call-next: got %d %v", status, out)
					return
				}
				mu.Lock()
				seen[ticketNumber(out)]++
				mu.Unlock()
				if status, out := cl.do("POST", base+"finish", ""); status != 200 {
					t.Errorf("finish: got %d %v", status, out)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("called %d tickets, want %d", len(seen), n)
	}
	for num, k := range seen {
		if k != 1 {
			t.Fatalf("%s was handed out %d times", num, k)
		}
	}
}

// streamReader reads frames of a Server-Sent Events stream.
type streamReader struct{ r *bufio.Reader }

type streamFrame struct{ event, id, data string }

func (s *streamReader) next() (streamFrame, error) {
	var f streamFrame
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return f, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if f.event != "" || f.data != "" {
				return f, nil
			}
		case strings.HasPrefix(line, "event: "):
			f.event = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			f.id = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			f.data += line[len("data: "):]
		}
	}
}

func TestEventStream(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", tc.srv.URL+"/api/v1/locations/centrum/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	sse := &streamReader{bufio.NewReader(resp.Body)}
	f, err := sse.next()
	if err != nil || f.event != "snapshot" {
		t.Fatalf("first frame: got %+v %v, want a snapshot", f, err)
	}
	var v queue.View
	if err := json.Unmarshal([]byte(f.data), &v); err != nil || len(v.Waiting) != 1 {
		t.Fatalf("snapshot: %v %+v", err, v)
	}
	out := d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"B"}`, "Idempotency-Key", "secret-key")
	tok := out["eticket_url"].(string)
	tok = tok[strings.LastIndex(tok, "/")+1:]
	f, err = sse.next()
	if err != nil || f.event != string(queue.TicketIssued) || f.id != fmt.Sprint(v.Seq+1) {
		t.Fatalf("live frame: got %+v %v, want ticket_issued with id %d", f, err, v.Seq+1)
	}
	if strings.Contains(f.data, tok) || strings.Contains(f.data, "secret-key") {
		t.Fatalf("the stream leaked a secret: %s", f.data)
	}
	if !strings.Contains(f.data, `"number":"B001"`) {
		t.Fatalf("live frame lacks the number: %s", f.data)
	}
}

func TestPagesAreServed(t *testing.T) {
	tc := newTestController(t)
	cl := tc.client()
	for _, p := range []struct {
		path   string
		status int
		text   string
	}{
		{"/", 200, "numerek"},
		{"/clerk", 200, "Wezwij następnego"},
		{"/clerk?lang=en", 200, "Call next"},
		{"/kiosk", 401, "kiosk"},
		{"/nowhere", 404, ""},
		{"/healthz", 200, `"status":"ok"`},
	} {
		req, _ := http.NewRequest("GET", tc.srv.URL+p.path, nil)
		resp, err := cl.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != p.status || !bytes.Contains(body, []byte(p.text)) {
			t.Fatalf("%s: got %d, want %d containing %q", p.path, resp.StatusCode, p.status, p.text)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("%s: no Content-Security-Policy", p.path)
		}
	}
	// The kiosk link with its token sets the device cookie and leads on to
	// the kiosk of the device's location.
	resp, err := cl.http.Get(tc.srv.URL + "/kiosk?token=demo-centrum-kiosk")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RawQuery != "" || !bytes.Contains(body, []byte("Centrum")) {
		t.Fatalf("kiosk: got %d at %s", resp.StatusCode, resp.Request.URL)
	}
	out := cl.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"A"}`)
	if ticketNumber(out) != "A001" {
		t.Fatalf("kiosk ticket: got %v", out)
	}
}

// TestAdminClosesAnothersCounter: a counter left open by a clerk who went
// home can be closed by an admin (jan), not by another clerk.
func TestAdminClosesAnothersCounter(t *testing.T) {
	tc := newTestController(t)
	tc.cfg.Clerks = append(tc.cfg.Clerks, Clerk{Login: "ola", Name: "Ola", PasswordHash: tc.cfg.Clerks[0].PasswordHash})
	tc.restart()
	anna := tc.client()
	anna.login("anna", "numerek")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/open", "")
	ola := tc.client()
	ola.login("ola", "numerek")
	ola.must(403, "POST", "/api/v1/locations/centrum/counters/3/open", "", "Origin", "http://elsewhere.example")
	ola.must(200, "POST", "/api/v1/locations/centrum/counters/3/open", "")
	ola.must(403, "POST", "/api/v1/locations/centrum/counters/1/close", "")
	jan := tc.client()
	jan.login("jan", "numerek")
	jan.must(200, "POST", "/api/v1/locations/centrum/counters/1/close", "")
	if tc.view("centrum").Counters[0].Open {
		t.Fatal("counter 1 is still open after the admin closed it")
	}
	jan.must(200, "POST", "/api/v1/locations/centrum/counters/1/open", "")
	// anna's next action says what happened rather than acting.
	if status, out := anna.do("POST", "/api/v1/locations/centrum/counters/1/call-next", ""); status != 409 {
		t.Fatalf("anna after the close: got %d %v, want 409", status, out)
	}
}

// TestDeviceHealth: devices report themselves; the clerks of the location
// see who is fine, who has a problem, who went quiet and who never spoke.
func TestDeviceHealth(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	d.must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"ok","controller":"ok","printer":"ok","version":"test","uptime_s":5}`)
	disp := tc.device(displayToken)
	disp.must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"ok"}`)
	tc.clock.Advance(time.Minute)
	d.must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"error","printer":"paper_out","detail":"no paper"}`)
	for _, bad := range []struct{ body, msg string }{
		{`{"status":"fine"}`, `"status"`},
		{`{"status":"ok","printer":"jammed"}`, `"printer"`},
		{`{"status":"ok","uptime_s":-1}`, "negative"},
		{`{"status":"ok","detail":"` + strings.Repeat("x", 300) + `"}`, "200 bytes"},
	} {
		status, out := d.do("POST", "/api/v1/devices/heartbeat", bad.body)
		if _, msg := errorOf(out); status != 400 || !strings.Contains(msg, bad.msg) {
			t.Errorf("%s: got %d %q, want 400 mentioning %s", bad.body, status, msg, bad.msg)
		}
	}
	tc.client().must(401, "POST", "/api/v1/devices/heartbeat", `{"status":"ok"}`)
	tc.clock.Advance(time.Minute) // the display's last beat is now 2 minutes old

	anna := tc.client()
	anna.login("anna", "numerek")
	anna.must(403, "GET", "/api/v1/locations/plaza/devices", "")
	status, data := anna.doRaw("GET", "/api/v1/locations/centrum/devices")
	if status != 200 {
		t.Fatalf("devices: got %d", status)
	}
	var list []deviceView
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range list {
		got[v.Name] = v.State + "/" + v.Printer
	}
	want := map[string]string{
		"centrum-dispenser": "error/paper_out",
		"centrum-display":   "offline/",
		"centrum-announcer": "never/",
		"centrum-kiosk":     "never/",
		"centrum-display-1": "never/",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// doRaw sends a request and returns the status and the body.
func (cl *client) doRaw(method, path string) (int, []byte) {
	cl.tc.t.Helper()
	req, _ := http.NewRequest(method, cl.tc.srv.URL+path, nil)
	resp, err := cl.http.Do(req)
	if err != nil {
		cl.tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}
