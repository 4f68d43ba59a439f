package controller

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/notify/notifytest"
)

// postForm posts a form as the e-ticket page does, from addr (the client's
// IP as the controller sees it is always 127.0.0.1 here; addr goes in the
// request only when the test fakes it through the notifier).
func (tc *testController) postForm(path string, form url.Values) (int, string) {
	tc.t.Helper()
	req, err := http.NewRequest("POST", tc.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		tc.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", tc.srv.URL)
	cl := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// sent waits until the outbox holds n messages and returns them, oldest
// first; it fails when more come.
func (tc *testController) sent(n int) []notify.Sent {
	tc.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := tc.c.outbox.Messages()
		if len(got) > n {
			tc.t.Fatalf("outbox: %d messages, want %d: %+v", len(got), n, got)
		}
		if len(got) == n {
			out := make([]notify.Sent, n)
			for i, m := range got {
				out[n-1-i] = m
			}
			return out
		}
		if time.Now().After(deadline) {
			tc.t.Fatalf("outbox: %d messages, want %d", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settle lets the notifier look at the queues and the dispatcher send.
func (tc *testController) settle() {
	tc.c.notifier.check()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for tc.c.dispatch.Pending() > 0 && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
	}
}

func TestNotifySoonThenCalledOnce(t *testing.T) {
	tc := newTestController(t)
	for range 4 {
		tc.issue("A")
	}
	number, path := tc.issue("A")
	status, _ := tc.postForm(path+"/notify", url.Values{"contact": {"600 700 800"}, "when": {"ahead:3"}, "called": {"1"}})
	if status != 303 {
		t.Fatalf("notify: got %d, want 303", status)
	}
	_, body := tc.page("GET", path)
	if !strings.Contains(body, "*** *** 800") || strings.Contains(body, "600 700 800") || strings.Contains(body, "600700800") {
		t.Fatalf("the page does not show the number masked")
	}
	tc.settle()
	tc.sent(0) // two people ahead: not yet

	anna := tc.client()
	anna.login("anna", "numerek")
	base := "/api/v1/locations/centrum/counters/1/"
	anna.must(200, "POST", base+"open", "")
	anna.must(200, "POST", base+"call-next", "") // A001: one ahead now
	tc.settle()
	m := tc.sent(1)[0]
	if m.To.Value != "+48600700800" || !strings.HasPrefix(m.Text, number+": czas wracać do biura") ||
		!strings.Contains(m.Text, "Osób przed Tobą: 3") || !strings.Contains(m.Text, tc.cfg.PublicURL+path) {
		t.Fatalf("the first message: %+v", m)
	}

	// Not again: a recall, a restart (the streams reconnect; the new
	// controller has a new, empty outbox), more checks.
	anna.must(200, "POST", base+"recall", "")
	tc.settle()
	tc.sent(1)
	tc.restart()
	anna = tc.client()
	anna.login("anna", "numerek")
	anna.must(200, "POST", base+"open", "")
	tc.settle()
	tc.settle()
	tc.sent(0)

	for range 3 { // A001 to A004: nobody ahead after them
		anna.must(200, "POST", base+"finish", "")
		anna.must(200, "POST", base+"call-next", "")
	}
	anna.must(200, "POST", base+"finish", "")
	tc.settle()
	tc.sent(0)
	anna.must(200, "POST", base+"call-next", "") // ours
	tc.settle()
	m = tc.sent(1)[0]
	if !strings.HasPrefix(m.Text, number+": zapraszamy do stanowiska 1") {
		t.Fatalf("the call message: %+v", m)
	}
	anna.must(200, "POST", base+"recall", "")
	tc.settle()
	tc.sent(1)
	_, body = tc.page("GET", path)
	if !strings.Contains(body, "Wysłano powiadomienie o 09:00") {
		t.Errorf("the page does not say the notification went")
	}

	// Served: the contact is deleted at once.
	anna.must(200, "POST", base+"came", "")
	anna.must(200, "POST", base+"finish", "")
	tc.settle()
	if _, ok, _ := tc.c.db.Personal(subscriptionPrefix + "centrum/2026-11-24/" + number); ok {
		t.Errorf("the contact outlived the visit")
	}
}

func TestNotifyMinutesAndEnglish(t *testing.T) {
	tc := newTestController(t)
	for range 6 {
		tc.issue("A")
	}
	number, path := tc.issue("A")
	if status, _ := tc.postForm(path+"/notify?lang=en", url.Values{"contact": {" Jan.Kowalski@Example.COM "}, "when": {"min:10"}}); status != 303 {
		t.Fatalf("notify: %d", status)
	}
	tc.settle()
	tc.sent(0)
	anna := tc.client()
	anna.login("anna", "numerek")
	base := "/api/v1/locations/centrum/counters/1/"
	anna.must(200, "POST", base+"open", "")
	for i := 0; i < 6; i++ {
		anna.must(200, "POST", base+"call-next", "")
		anna.must(200, "POST", base+"finish", "")
		tc.settle()
		ts, _ := tc.c.engine.TicketByToken(strings.TrimPrefix(path, "/t/"))
		msgs := tc.c.outbox.Messages()
		if due := ts.Estimate.Expected <= 10*time.Minute; due != (len(msgs) == 1) {
			t.Fatalf("after %d served: estimate %v, %d messages", i+1, ts.Estimate.Expected, len(msgs))
		}
	}
	m := tc.sent(1)[0]
	if m.To.Value != "Jan.Kowalski@example.com" || m.Subject != number+": time to come back to the office" {
		t.Fatalf("the e-mail: %+v", m)
	}
	anna.must(200, "POST", base+"call-next", "")
	tc.settle()
	tc.sent(1) // "also when called" was not ticked
}

func TestNotifyBadInput(t *testing.T) {
	tc := newTestController(t)
	_, path := tc.issue("A")
	for _, tt := range []struct {
		name    string
		form    url.Values
		status  int
		message string
	}{
		{"no contact", url.Values{"contact": {" "}, "when": {"ahead:3"}}, 400, "Podaj numer telefonu komórkowego albo adres e-mail"},
		{"landline", url.Values{"contact": {"22 123 45 67"}, "when": {"ahead:3"}}, 400, "nie jest numerem komórkowym"},
		{"not a number", url.Values{"contact": {"123"}, "when": {"ahead:3"}}, 400, "nie jest poprawnym numerem telefonu"},
		{"letters", url.Values{"contact": {"call me"}, "when": {"ahead:3"}}, 400, "nie jest poprawnym numerem telefonu"},
		{"bad e-mail", url.Values{"contact": {"jan@localhost"}, "when": {"ahead:3"}}, 400, "nie jest poprawnym adresem e-mail"},
		{"bad when", url.Values{"contact": {"600700800"}, "when": {"ahead:1000"}}, 400, "Wybierz, kiedy mamy Cię powiadomić"},
		{"no when", url.Values{"contact": {"600700800"}}, 400, "Wybierz, kiedy mamy Cię powiadomić"},
		{"huge", url.Values{"contact": {strings.Repeat("6", 8<<10)}, "when": {"ahead:3"}}, 400, "Nie udało się odczytać formularza"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := tc.postForm(path+"/notify", tt.form)
			if status != tt.status || !strings.Contains(body, tt.message) {
				t.Fatalf("got %d, want %d with %q", status, tt.status, tt.message)
			}
			if tt.status == 400 && tt.name != "huge" && !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("the error is not tied to the field")
			}
			if tt.name != "huge" && tt.name != "no contact" && !strings.Contains(body, `value="`+strings.TrimSpace(tt.form.Get("contact"))) {
				t.Errorf("the form lost what was typed")
			}
			if _, ok := tc.c.notifier.subscription("centrum/2026-11-24/A001"); ok {
				t.Fatalf("a refused form set a contact")
			}
		})
	}
	// Another site cannot set a contact.
	req, _ := http.NewRequest("POST", tc.srv.URL+path+"/notify", strings.NewReader("contact=600700800&when=ahead%3A3"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-origin: got %d, want 403", resp.StatusCode)
	}
	if _, ok := tc.c.notifier.subscription("centrum/2026-11-24/A001"); ok {
		t.Fatalf("a cross-origin form set a contact")
	}
}

// TestNotifyLimits: the page cannot send messages to strangers in bulk.
func TestNotifyLimits(t *testing.T) {
	tc := newTestController(t)
	var paths []string
	for range notifyTicketsPerDay + 1 {
		_, p := tc.issue("A")
		paths = append(paths, p)
	}
	form := func(contact string) url.Values {
		return url.Values{"contact": {contact}, "when": {"ahead:3"}}
	}
	// One contact on a few tickets a day.
	for i, p := range paths {
		want := 303
		if i == notifyTicketsPerDay {
			want = 429
		}
		if status, body := tc.postForm(p+"/notify", form("600 700 800")); status != want {
			t.Fatalf("ticket %d: got %d, want %d: %.200s", i+1, status, want, body)
		}
	}
	// A ticket's contact changes a few times only.
	p := paths[notifyTicketsPerDay]
	for i := range notifyChangesPerTicket + 1 {
		want := 303
		if i == notifyChangesPerTicket {
			want = 429
		}
		status, body := tc.postForm(p+"/notify", form("60070081"+strconv.Itoa(i)))
		if status != want {
			t.Fatalf("change %d: got %d, want %d: %.200s", i+1, status, want, body)
		}
		if want == 429 && !strings.Contains(body, "zbyt wiele razy") {
			t.Fatalf("the limit does not say what happened: %s", body)
		}
	}
	// One address sets a few contacts an hour.
	tc2 := newTestController(t)
	n := 0
	for i := range notifyPerAddress + 1 {
		_, p := tc2.issue("B")
		status, _ := tc2.postForm(p+"/notify", form(fmt.Sprintf("+48 600 800 %03d", i)))
		if status == 303 {
			n++
		} else if status != 429 {
			t.Fatalf("contact %d: status %d", i, status)
		}
	}
	if n != notifyPerAddress {
		t.Fatalf("one address set %d contacts, want %d", n, notifyPerAddress)
	}
	tc2.clock.Advance(time.Hour + time.Minute)
	_, p = tc2.issue("B")
	if status, _ := tc2.postForm(p+"/notify", form("+48 600 900 000")); status != 303 {
		t.Fatalf("an hour later: %d, want 303", status)
	}
}

// failingSender fails every message for good.
type failingSender struct{}

func (failingSender) Send(context.Context, notify.Message) error {
	return &notify.ProviderError{Provider: "test", Err: notify.ErrRecipientRefused}
}

func TestNotifyFailureShows(t *testing.T) {
	tc := newTestController(t)
	tc.stop()
	c, err := Open(tc.cfg, Options{Clock: tc.clock, Logger: slog.New(slog.DiscardHandler), Sender: failingSender{}})
	if err != nil {
		t.Fatal(err)
	}
	tc.c = c
	tc.srv = newServer(c)
	t.Cleanup(tc.stop)
	_, path := tc.issue("A")
	if status, _ := tc.postForm(path+"/notify", url.Values{"contact": {"600700800"}, "when": {"ahead:3"}}); status != 303 {
		t.Fatal(status)
	}
	tc.settle()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := tc.page("GET", path)
		if strings.Contains(body, pageText(t, "pl", "et.notify.failed")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page does not say the message failed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newProvidersController is a test controller that sends through local
// fakes of SMSAPI's HTTP API and of an SMTP server with STARTTLS, and logs
// to log.
func newProvidersController(t *testing.T, log *slog.Logger) (*testController, *notifytest.SMSAPI, *notifytest.SMTPServer) {
	t.Helper()
	sms := notifytest.NewSMSAPI(t, "sms-token")
	mail := notifytest.NewSMTPServer(t, notifytest.SMTPOptions{})
	tc := newTestController(t)
	tc.stop()
	t.Setenv("NUMEREK_TEST_SMS_TOKEN", "sms-token")
	tc.cfg.Notify = notify.Config{
		SMS:   notify.SMSConfig{Provider: "smsapi", TokenEnv: "NUMEREK_TEST_SMS_TOKEN", URL: sms.URL},
		Email: notify.EmailConfig{Provider: "smtp", Host: mail.Host, Port: mail.Port, From: "BOM <bom@um.example.pl>"},
	}
	c, err := Open(tc.cfg, Options{Clock: tc.clock, Logger: log, Notify: notify.Options{TLS: mail.ClientTLS()}})
	if err != nil {
		t.Fatal(err)
	}
	tc.c = c
	tc.srv = newServer(c)
	t.Cleanup(tc.stop)
	return tc, sms, mail
}

// TestNotifyProviders sends through the configured providers: SMSAPI's
// HTTP API and an SMTP server with STARTTLS, both local fakes.
func TestNotifyProviders(t *testing.T) {
	tc, sms, mail := newProvidersController(t, slog.New(slog.DiscardHandler))
	numA, pathA := tc.issue("A")
	numB, pathB := tc.issue("A")
	tc.postForm(pathA+"/notify", url.Values{"contact": {"600 700 800"}, "when": {"ahead:3"}})
	tc.postForm(pathB+"/notify", url.Values{"contact": {"jan@example.com"}, "when": {"ahead:3"}})
	tc.settle()
	deadline := time.Now().Add(10 * time.Second)
	for len(sms.Requests()) < 1 || len(mail.Mails()) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("sent: %d SMS, %d e-mails, want one each", len(sms.Requests()), len(mail.Mails()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r := sms.Requests()[0]; !strings.HasSuffix(r.Form.Get("to"), "48600700800") || !strings.HasPrefix(r.Form.Get("message"), numA+": czas wracać") {
		t.Errorf("SMS: %+v", r)
	}
	if m := mail.Mails()[0]; !strings.Contains(m.Subject, numB+": czas wracać do biura") || !strings.Contains(m.Text, pathB) {
		t.Errorf("e-mail: %+v", m)
	}
}

// TestNotifyPurgedWithTheTicket: the contact goes when the ticket's day
// ends, restart or not.
func TestNotifyPurgedWithTheTicket(t *testing.T) {
	tc := newTestController(t)
	number, path := tc.issue("A")
	if status, _ := tc.postForm(path+"/notify", url.Values{"contact": {"jan@example.com"}, "when": {"min:30"}}); status != 303 {
		t.Fatal(status)
	}
	ref := subscriptionPrefix + "centrum/2026-11-24/" + number
	tc.restart()
	if _, ok := tc.c.notifier.subscription("centrum/2026-11-24/" + number); !ok {
		t.Fatal("the contact did not survive a restart")
	}
	tc.clock.Advance(14*time.Hour + time.Minute) // 23:01: still the ticket's day
	tc.c.tick(context.Background())
	if _, ok, _ := tc.c.db.Personal(ref); !ok {
		t.Fatal("purged before the day ended")
	}
	tc.clock.Advance(time.Hour) // 00:01 the next day
	tc.c.tick(context.Background())
	tc.c.notifier.check()
	if _, ok, _ := tc.c.db.Personal(ref); ok {
		t.Error("the contact outlived its ticket's day in the store")
	}
	if _, ok := tc.c.notifier.subscription("centrum/2026-11-24/" + number); ok {
		t.Error("the contact outlived its ticket's day in memory")
	}
}
