package controller

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
)

// issue takes a ticket of service at Centrum and returns it with its
// e-ticket path, "/t/<token>".
func (tc *testController) issue(service string) (number, path string) {
	tc.t.Helper()
	out := tc.device(dispenserToken).must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"`+service+`"}`)
	u, err := url.Parse(out["eticket_url"].(string))
	if err != nil {
		tc.t.Fatal(err)
	}
	return ticketNumber(out), u.Path
}

// page fetches a page and returns its status and body.
func (tc *testController) page(method, path string, header ...string) (int, string) {
	tc.t.Helper()
	req, err := http.NewRequest(method, tc.srv.URL+path, nil)
	if err != nil {
		tc.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	cl := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestETicketPage(t *testing.T) {
	tc := newTestController(t)
	tc.issue("A")
	number, path := tc.issue("A")
	status, body := tc.page("GET", path)
	if status != 200 {
		t.Fatalf("GET %s: %d", path, status)
	}
	for _, want := range []string{
		number, "Centrum", pageText(t, "pl", "et.waiting"), pageText(t, "pl", "et.ahead", "n", "1"),
		"Szacowany czas do wywołania:", `http-equiv="refresh"`, "/t/", "/events?lang=pl",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the e-ticket lacks %q", want)
		}
	}
	_, body = tc.page("GET", path+"?lang=en")
	if !strings.Contains(body, pageText(t, "en", "et.waiting")) || !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("the English e-ticket is not in English")
	}
}

// TestETicketUnknownTokens: every token that is not a ticket's gets the same
// plain page, and nothing about any ticket.
func TestETicketUnknownTokens(t *testing.T) {
	tc := newTestController(t)
	number, path := tc.issue("A")
	good := strings.TrimPrefix(path, "/t/")
	_, want := tc.page("GET", "/t/AAAAAAAAAAAAAAAAAAAAAA")
	for _, tok := range []string{
		"AAAAAAAAAAAAAAAAAAAAAA",            // well formed, unknown
		good[:21],                           // one short
		good + "A",                          // one long
		other(good),                         // one letter off
		"A001",                              // the number is no key
		"%2e%2e%2fapi%2fv1%2flocations",     // a path
		"' OR 1=1 --",                       // junk
		strings.Repeat("x", 4000),           // long
		"%00%00%00%00%00%00%00%00%00%00%00", // escapes
	} {
		status, body := tc.page("GET", "/t/"+strings.ReplaceAll(tok, " ", "%20"))
		if status != 404 && status != 400 {
			t.Errorf("token %.30q: status %d, want 404", tok, status)
		}
		if status == 404 && body != want {
			t.Errorf("token %.30q: the page differs from the unknown token's", tok)
		}
		if strings.Contains(body, number) {
			t.Errorf("token %.30q: the page shows the ticket number %s", tok, number)
		}
		if s, _ := tc.page("GET", "/t/"+strings.ReplaceAll(tok, " ", "%20")+"/events"); s != 404 && s != 400 {
			t.Errorf("token %.30q: stream status %d, want 404", tok, s)
		}
		if s, _ := tc.page("POST", "/t/"+strings.ReplaceAll(tok, " ", "%20")+"/leave"); s != 404 && s != 400 && s != 405 {
			t.Errorf("token %.30q: leave status %d, want 404", tok, s)
		}
	}
	if !strings.Contains(want, pageText(t, "pl", "et.notfound")) {
		t.Errorf("the not-found page does not explain itself")
	}
	if v := tc.view("centrum"); len(v.Waiting) != 1 {
		t.Errorf("waiting: got %d, want the one ticket untouched", len(v.Waiting))
	}
}

// other is tok with its first character changed.
func other(tok string) string {
	if tok[0] == 'B' {
		return "C" + tok[1:]
	}
	return "B" + tok[1:]
}

func TestETicketLeave(t *testing.T) {
	tc := newTestController(t)
	number, path := tc.issue("A")
	_, body := tc.page("GET", path+"?leave")
	if !strings.Contains(body, pageText(t, "pl", "et.leave.question")) || !strings.Contains(body, `action="`+path+`/leave"`) {
		t.Fatalf("?leave does not ask for a confirmation")
	}
	// Another site's page cannot make the holder leave.
	if status, _ := tc.page("POST", path+"/leave", "Origin", "https://evil.example"); status != 403 {
		t.Fatalf("cross-origin leave: got %d, want 403", status)
	}
	if v := tc.view("centrum"); len(v.Waiting) != 1 {
		t.Fatalf("a refused leave changed the queue")
	}
	status, _ := tc.page("POST", path+"/leave", "Origin", tc.srv.URL)
	if status != 303 {
		t.Fatalf("leave: got %d, want 303", status)
	}
	if v := tc.view("centrum"); len(v.Waiting) != 0 {
		t.Fatalf("%s still waits after leaving", number)
	}
	_, body = tc.page("GET", path+"?done=left")
	if !strings.Contains(body, pageText(t, "pl", "et.left")) || !strings.Contains(body, pageText(t, "pl", "et.cancelled")) {
		t.Fatalf("after leaving the page does not say so")
	}
	if strings.Contains(body, `id="et-leave-start"`) && !strings.Contains(body, `id="et-leave" class="card et-leave" aria-labelledby="et-leave-heading" hidden`) {
		t.Fatalf("a cancelled ticket still offers to leave")
	}
	if status, body := tc.page("POST", path+"/leave"); status != 409 || !strings.Contains(body, number) {
		t.Fatalf("leaving twice: got %d, want 409 saying why", status)
	}
}

// eticketStream reads the status messages of an e-ticket's stream.
type eticketStream struct {
	t   *testing.T
	sse *streamReader
}

func (tc *testController) eticketStream(path string) *eticketStream {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tc.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", tc.srv.URL+path+"/events?lang=pl", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		tc.t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &eticketStream{t: tc.t, sse: &streamReader{bufio.NewReader(resp.Body)}}
}

// next returns the next status, skipping "alive" messages.
func (s *eticketStream) next() eticketView {
	s.t.Helper()
	for {
		f, err := s.sse.next()
		if err != nil {
			s.t.Fatalf("stream: %v", err)
		}
		if f.event == "alive" {
			continue
		}
		if f.event != "status" {
			s.t.Fatalf("stream: got %q, want status", f.event)
		}
		var v eticketView
		if err := json.Unmarshal([]byte(f.data), &v); err != nil {
			s.t.Fatal(err)
		}
		return v
	}
}

// TestETicketStream follows one ticket through calls, a no-show, the
// recall and the end, as the page sees them.
func TestETicketStream(t *testing.T) {
	tc := newTestController(t)
	tc.issue("A")
	number, path := tc.issue("A")
	tc.issue("A")
	s := tc.eticketStream(path)
	if v := s.next(); v.Number != number || v.State != "waiting" || v.Ahead != "Osób przed Tobą: 1" || v.Estimate == "" {
		t.Fatalf("first status: %+v", v)
	}
	if n := tc.c.etickets.viewers("centrum"); n != 1 {
		t.Fatalf("viewers: got %d, want the one stream", n)
	}
	anna := tc.client()
	anna.login("anna", "numerek")
	base := "/api/v1/locations/centrum/counters/1/"
	anna.must(200, "POST", base+"open", "")
	anna.must(200, "POST", base+"call-next", "")
	s.until("nobody ahead after the first call", func(v eticketView) bool { return v.State == "waiting" && v.Ahead == "Osób przed Tobą: 0" })
	steps := []struct {
		action, state, headline, detail string
	}{
		{"finish", "", "", ""}, // A001 is done: nothing changes for A002
		{"call-next", "called", "Podejdź do stanowiska 1", pageText(t, "pl", "et.called.detail")},
		{"no-show", "no_show", "Nie było Cię przy stanowisku 1", ""},
		{"call-next", "", "", ""}, // A003
		{"finish", "called", "Podejdź do stanowiska 1", "Wywołujemy Twój numer ponownie (2. raz z 3). Zapraszamy!"},
		{"came", "serving", "Obsługa przy stanowisku 1", ""},
		{"finish", "done", pageText(t, "pl", "et.done"), ""},
	}
	for _, st := range steps {
		anna.must(200, "POST", base+st.action, "")
		if st.state == "" {
			continue
		}
		v := s.until(st.state, func(v eticketView) bool { return v.State == st.state })
		if v.State != st.state || v.Headline != st.headline || st.detail != "" && v.Detail != st.detail {
			t.Fatalf("after %s: %+v, want %s %q %q", st.action, v, st.state, st.headline, st.detail)
		}
		if v.Ahead != "" || v.Estimate != "" {
			t.Fatalf("after %s: %+v shows a wait", st.action, v)
		}
		if v.CanLeave != (st.state == "called" || st.state == "no_show") {
			t.Fatalf("after %s: can leave is %v", st.action, v.CanLeave)
		}
	}
}

// until reads statuses until ok says yes; more than a few is a failure.
func (s *eticketStream) until(what string, ok func(eticketView) bool) eticketView {
	s.t.Helper()
	for range 5 {
		if v := s.next(); ok(v) {
			return v
		}
	}
	s.t.Fatalf("stream: no %s in five statuses", what)
	return eticketView{}
}

func TestETicketEstimateTexts(t *testing.T) {
	text := pageTexts["pl"]
	for _, tt := range []struct {
		lo, exp, hi time.Duration
		want        string
	}{
		{0, 0, 0, "za chwilę"},
		{0, 20 * time.Second, 29 * time.Second, "za chwilę"},
		{0, 2 * time.Minute, 4 * time.Minute, "do 4 min"},
		{10 * time.Minute, 12 * time.Minute, 15 * time.Minute, "10–15 min"},
		{12 * time.Minute, 12 * time.Minute, 12 * time.Minute, "ok. 12 min"},
		{50 * time.Minute, 70 * time.Minute, 95 * time.Minute, "50 min – 1 godz. 35 min"},
		{70 * time.Minute, 90 * time.Minute, 121 * time.Minute, "1 godz. 10 min – 2 godz."},
		{20 * time.Minute, 10 * time.Minute, 30 * time.Minute, "ok. 10 min"}, // a broken range: the expected value
	} {
		if got := waitRange(text, queue.Estimate{Low: tt.lo, Expected: tt.exp, High: tt.hi}); got != tt.want {
			t.Errorf("%v/%v/%v: got %q, want %q", tt.lo, tt.exp, tt.hi, got, tt.want)
		}
	}
}

// TestETicketBookedVisit: a booked visit's page shows its time and offers
// to cancel it before then; cancelling frees it.
func TestETicketBookedVisit(t *testing.T) {
	tc := newTestController(t)
	at := tuesday9.Add(2*time.Hour + 30*time.Minute) // 11:30 in Warsaw
	tk, err := tc.c.engine.Book(context.Background(), queue.BookRequest{Location: "centrum", Service: "A", At: at, Booking: "BK-1"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/t/" + tk.Token
	status, body := tc.page("GET", path)
	if status != 200 {
		t.Fatalf("GET: %d", status)
	}
	for _, want := range []string{tk.Number, pageText(t, "pl", "et.booked"), "Termin: 24.11.2026, godz. 11:30", pageText(t, "pl", "et.cancel.button")} {
		if !strings.Contains(body, want) {
			t.Errorf("the booked visit's page lacks %q", want)
		}
	}
	if strings.Contains(body, pageText(t, "pl", "et.leave.button")) {
		t.Errorf("a booked visit offers to leave the queue it is not in yet")
	}
	_, body = tc.page("GET", path+"?leave")
	if !strings.Contains(body, pageText(t, "pl", "et.cancel.question")) {
		t.Fatalf("no confirmation before cancelling")
	}
	if status, _ := tc.page("POST", path+"/leave", "Origin", tc.srv.URL); status != 303 {
		t.Fatalf("cancel: %d", status)
	}
	ts, _ := tc.c.engine.TicketByToken(tk.Token)
	if ts.Ticket.Status != queue.StatusCancelled {
		t.Fatalf("after cancelling: %s", ts.Ticket.Status)
	}
}
