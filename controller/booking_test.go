package controller

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// bookPost sends a booking form as the browser would and returns the
// status, the redirect's target and the page.
func (tc *testController) bookPost(path string, form url.Values, header ...string) (int, string, string) {
	tc.t.Helper()
	req, err := http.NewRequest("POST", tc.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		tc.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", tc.srv.URL)
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
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// bookVisit runs steps 3 to 5 over HTTP for contact and returns the
// booking's id.
func (tc *testController) bookVisit(svc, loc, date, hhmm, contact string) string {
	tc.t.Helper()
	status, where, body := tc.bookPost("/book/"+svc+"/"+loc+"/"+date, url.Values{"time": {hhmm}})
	if status != http.StatusSeeOther || !strings.HasPrefix(where, "/book/v/") {
		tc.t.Fatalf("hold %s %s: %d %q\n%s", date, hhmm, status, where, body)
	}
	id := strings.TrimPrefix(where, "/book/v/")
	status, where, body = tc.bookPost(where, url.Values{"first": {"Jan"}, "last": {"Kowalski"}, "contact": {contact}})
	if status != http.StatusSeeOther || where != "/book/v/"+id+"/code" {
		tc.t.Fatalf("person: %d %q\n%s", status, where, body)
	}
	tc.settle()
	c, err := booking.ParseContact(contact)
	if err != nil {
		tc.t.Fatal(err)
	}
	sent, ok := tc.c.outbox.Last(c.Value)
	if !ok {
		tc.t.Fatalf("no code sent to %s", c.Value)
	}
	status, where, body = tc.bookPost("/book/v/"+id+"/code", url.Values{"code": {sixDigits.FindString(sent.Text)}})
	if status != http.StatusSeeOther || where != "/book/v/"+id+"/done" {
		tc.t.Fatalf("code: %d %q\n%s", status, where, body)
	}
	tc.settle()
	return id
}

func TestBookingPages(t *testing.T) {
	tc := newTestController(t)
	status, body := tc.page("GET", "/book")
	if status != 200 || !strings.Contains(body, `href="/book/A"`) || strings.Contains(body, `href="/book/J"`) {
		t.Fatalf("step 1: %d, want the bookable services only\n%s", status, body)
	}
	status, body = tc.page("GET", "/book/A")
	if status != 200 || !strings.Contains(body, `href="/book/A/centrum"`) {
		t.Fatalf("step 2: %d\n%s", status, body)
	}
	status, body = tc.page("GET", "/book/A/centrum")
	if status != 200 || !strings.Contains(body, `aria-current="date"`) || !strings.Contains(body, `value="10:40"`) {
		t.Fatalf("step 3: %d\n%s", status, body)
	}
	// Tuesday 24 November, 9:00: today from 10:00 (an hour's lead).
	if strings.Contains(body, `value="09:30"`) || !strings.Contains(body, `id="bk-date-2026-11-24" class="book-date is-current" aria-current="date"`) {
		t.Fatalf("step 3 today: want times from 10:00 on 24.11\n%s", body)
	}
	status, body = tc.page("GET", "/book/A/centrum/2026-11-28")
	if status != 200 || !strings.Contains(body, `id="bk-dayfull"`) || strings.Contains(body, `name="time"`) {
		t.Fatalf("a Saturday: %d, want the page saying nothing is free\n%s", status, body)
	}
	_, body = tc.page("GET", "/book/A/centrum/2026-11-25?lang=en")
	if !strings.Contains(body, "Wed 25.11") || !strings.Contains(body, "Choose a day and a time") {
		t.Fatalf("step 3 in English:\n%s", body)
	}

	id := tc.bookVisit("A", "centrum", "2026-11-25", "10:40", "600 700 800")
	status, body = tc.page("GET", "/book/v/"+id+"/done")
	if status != 200 || !strings.Contains(body, `id="bk-number">R001<`) || !strings.Contains(body, "Środa, 25.11.2026, 10:40") {
		t.Fatalf("the confirmation: %d\n%s", status, body)
	}
	bk, _ := tc.c.bookings.Get(id)
	if !strings.Contains(body, `href="/t/`+bk.Token+`?leave"`) {
		t.Fatalf("the confirmation has no cancel link\n%s", body)
	}
	if strings.Contains(body, "Kowalski") || strings.Contains(body, "600 700 800") || strings.Contains(body, "600700800") {
		t.Fatalf("the confirmation shows personal data in full\n%s", body)
	}
	msgs := tc.sent(2)
	if !strings.Contains(msgs[0].Text, "Kod potwierdzenia") || !strings.Contains(msgs[1].Text, "25.11.2026 godz. 10:40") || !strings.Contains(msgs[1].Text, "R001") ||
		!strings.Contains(msgs[1].Text, tc.cfg.PublicURL+"/t/"+bk.Token+"?leave") {
		t.Fatalf("messages: %+v", msgs)
	}
	// Steps 4 and 5 of a confirmed booking lead to the confirmation.
	if status, _ := tc.page("GET", "/book/v/"+id); status != http.StatusSeeOther {
		t.Fatalf("step 4 after confirming: %d, want 303", status)
	}

	// It survives a restart.
	tc.restart()
	if status, body := tc.page("GET", "/book/v/"+id+"/done"); status != 200 || !strings.Contains(body, "R001") {
		t.Fatalf("the confirmation after a restart: %d", status)
	}

	// Cancelled from the e-ticket: the place is free again.
	status, _, body = tc.bookPost("/t/"+bk.Token+"/leave", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", status, body)
	}
	if got, _ := tc.c.bookings.Get(id); got.Status != booking.Cancelled {
		t.Fatalf("after the cancel: %s, want cancelled", got.Status)
	}
	if _, ok := tc.c.bookings.Person(id); ok {
		t.Fatalf("the person of a cancelled visit is kept")
	}
}

// TestBookingEntersQueue books a visit and lets the fake clock reach its
// time: it waits in the queue by itself and is called like a walk-in.
func TestBookingEntersQueue(t *testing.T) {
	tc := newTestController(t)
	tc.bookVisit("A", "centrum", "2026-11-24", "10:40", "600 700 800")
	waiting := func() []string {
		var n []string
		for _, w := range tc.view("centrum").Waiting {
			n = append(n, w.Number)
		}
		return n
	}
	tc.clock.Set(time.Date(2026, 11, 24, 10, 39, 0, 0, queuetest.Warsaw))
	tc.c.tick(context.Background())
	if got := waiting(); len(got) != 0 {
		t.Fatalf("at 10:39: waiting %v, want nobody", got)
	}
	tc.clock.Set(time.Date(2026, 11, 24, 10, 40, 0, 0, queuetest.Warsaw))
	tc.c.tick(context.Background())
	if got := waiting(); len(got) != 1 || got[0] != "R001" {
		t.Fatalf("at 10:40: waiting %v, want R001", got)
	}
	anna := tc.client()
	anna.login("anna", "numerek")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/open", "")
	if got := ticketNumber(anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/call-next", "")); got != "R001" {
		t.Fatalf("called %s, want R001", got)
	}
}

// TestBookingBadInput checks that mistakes get a clear answer and change
// nothing.
func TestBookingBadInput(t *testing.T) {
	tc := newTestController(t)
	tests := []struct {
		name   string
		method string
		path   string
		form   url.Values
		header []string
		status int
		want   string
	}{
		{"unknown service", "GET", "/book/Z", nil, nil, 404, "Nieznana usługa"},
		{"a service not booked online", "GET", "/book/J/centrum", nil, nil, 404, ""},
		{"unknown location", "GET", "/book/A/nowhere", nil, nil, 404, ""},
		{"a date that is no date", "GET", "/book/A/centrum/2026-13-01", nil, nil, 404, ""},
		{"a date past the window", "GET", "/book/A/centrum/2027-01-05", nil, nil, 404, "od 2026-11-24 do 2026-12-24"},
		{"no time chosen", "POST", "/book/A/centrum/2026-11-25", url.Values{}, nil, 400, "Wybierz godzinę"},
		{"a time that is no time", "POST", "/book/A/centrum/2026-11-25", url.Values{"time": {"25:99"}}, nil, 400, "Wybierz godzinę"},
		{"a time off the grid", "POST", "/book/A/centrum/2026-11-25", url.Values{"time": {"10:07"}}, nil, 400, "Nie można umówić się na 25.11.2026 10:07"},
		{"a holiday", "POST", "/book/A/centrum/2026-12-24", url.Values{"time": {"10:00"}}, nil, 400, ""},
		{"another site's form", "POST", "/book/A/centrum/2026-11-25", url.Values{"time": {"10:40"}}, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, ""},
		{"an unknown booking", "GET", "/book/v/AAAAAAAAAAAAAAAAAAAAAA", nil, nil, 404, "Nie ma takiej rezerwacji"},
		{"a malformed booking id", "GET", "/book/v/..%2f", nil, nil, 404, ""},
		{"a code for an unknown booking", "POST", "/book/v/AAAAAAAAAAAAAAAAAAAAAA/code", url.Values{"code": {"123456"}}, nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body string
			if tt.method == "GET" {
				status, body = tc.page("GET", tt.path)
			} else {
				status, _, body = tc.bookPost(tt.path, tt.form, tt.header...)
			}
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("got %d, want %d with %q\n%s", status, tt.status, tt.want, body)
			}
		})
	}
	if n := len(tc.c.outbox.Messages()); n != 0 {
		t.Fatalf("%d messages sent, want none", n)
	}
}

// TestBookingFormMistakes checks that step 4's mistakes are tied to their
// fields, and that a wrong code says how many tries are left.
func TestBookingFormMistakes(t *testing.T) {
	tc := newTestController(t)
	_, where, _ := tc.bookPost("/book/A/centrum/2026-11-25", url.Values{"time": {"10:40"}})
	status, _, body := tc.bookPost(where, url.Values{"first": {"Jan"}, "last": {"Kowalski"}, "contact": {"22 123 45 67"}})
	if status != 400 || !strings.Contains(body, `aria-describedby="bk-contact-hint bk-contact-error" aria-invalid="true" autofocus`) ||
		!strings.Contains(body, "nie jest numerem komórkowym") || !strings.Contains(body, `value="Kowalski"`) {
		t.Fatalf("a landline: %d\n%s", status, body)
	}
	status, _, body = tc.bookPost(where, url.Values{"first": {"Jan"}, "contact": {"600700800"}})
	if status != 400 || !strings.Contains(body, `id="bk-last-error"`) || !strings.Contains(body, "<title>Błąd:") {
		t.Fatalf("no last name: %d\n%s", status, body)
	}
	status, _, _ = tc.bookPost(where, url.Values{"company": {"Firma"}, "contact": {"600700800"}})
	if status != http.StatusSeeOther {
		t.Fatalf("a company: %d", status)
	}
	status, _, body = tc.bookPost(where+"/code", url.Values{"code": {"12345"}})
	if status != 400 || !strings.Contains(body, "Kod ma 6 cyfr") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Fatalf("a short code: %d\n%s", status, body)
	}
	tc.settle()
	code := sixDigits.FindString(tc.sent(1)[0].Text)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	status, _, body = tc.bookPost(where+"/code", url.Values{"code": {wrong}})
	if status != 400 || !strings.Contains(body, "Pozostałe próby: 4") {
		t.Fatalf("a wrong code: %d\n%s", status, body)
	}
	status, loc, _ := tc.bookPost(where+"/resend", nil)
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "/code?resent") {
		t.Fatalf("resend: %d %q", status, loc)
	}
	// The hold runs out: step 5 says so and offers step 3 again.
	tc.clock.Advance(31 * time.Minute)
	status, body = tc.page("GET", where+"/code")
	if status != http.StatusConflict || !strings.Contains(body, "jest znów wolny") {
		t.Fatalf("after the hold: %d\n%s", status, body)
	}
	if _, err := tc.c.engine.Cancel(context.Background(), "centrum", "R001"); queue.ErrorCode(err) != queue.ENotFound {
		t.Fatalf("a ticket was made for an unconfirmed booking: %v", err)
	}
}

// TestBookingThroughProviders books one visit with a phone through
// SMSAPI's HTTP API and one with an e-mail address through an SMTP server,
// both local fakes, and checks that the logs never hold the person's name,
// phone number or e-mail address.
func TestBookingThroughProviders(t *testing.T) {
	var logs bytes.Buffer
	tc, sms, mail := newProvidersController(t, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	wait := func(what string, done func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !done() {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// By SMS.
	_, where, _ := tc.bookPost("/book/A/centrum/2026-11-25", url.Values{"time": {"10:40"}})
	if status, _, body := tc.bookPost(where, url.Values{"first": {"Grzegorz"}, "last": {"Brzęczyszczykiewicz"}, "contact": {"600 700 800"}}); status != http.StatusSeeOther {
		t.Fatalf("person: %d\n%s", status, body)
	}
	wait("the code by SMS", func() bool { return len(sms.Requests()) == 1 })
	code := sixDigits.FindString(sms.Requests()[0].Form.Get("message"))
	if status, _, body := tc.bookPost(where+"/code", url.Values{"code": {code}}); status != http.StatusSeeOther {
		t.Fatalf("code: %d\n%s", status, body)
	}
	wait("the confirmation by SMS", func() bool { return len(sms.Requests()) == 2 })
	if r := sms.Requests()[1]; !strings.HasSuffix(r.Form.Get("to"), "48600700800") || !strings.Contains(r.Form.Get("message"), "Twój numer: R001") {
		t.Errorf("the confirmation SMS: %+v", r.Form)
	}

	// By e-mail, with a calendar file.
	_, where, _ = tc.bookPost("/book/A/centrum/2026-11-25", url.Values{"time": {"11:00"}})
	if status, _, body := tc.bookPost(where, url.Values{"company": {"Przedsiębiorstwo Wielobranżowe Sp. z o.o."}, "contact": {"biuro@firma.example.pl"}}); status != http.StatusSeeOther {
		t.Fatalf("person: %d\n%s", status, body)
	}
	wait("the code by e-mail", func() bool { return len(mail.Mails()) == 1 })
	code = sixDigits.FindString(mail.Mails()[0].Text)
	if status, _, body := tc.bookPost(where+"/code", url.Values{"code": {code}}); status != http.StatusSeeOther {
		t.Fatalf("code: %d\n%s", status, body)
	}
	wait("the confirmation by e-mail", func() bool { return len(mail.Mails()) == 2 })
	m := mail.Mails()[1]
	if !strings.Contains(m.Subject, "R002") || !strings.Contains(m.Text, "25.11.2026, godz. 11:00") {
		t.Errorf("the confirmation e-mail: %q\n%s", m.Subject, m.Text)
	}
	if len(m.Attachments) != 1 || !strings.HasPrefix(m.Attachments[0].ContentType, "text/calendar") ||
		!strings.Contains(string(m.Attachments[0].Data), "DTSTART:20261125T100000Z") {
		t.Errorf("the calendar file: %+v", m.Attachments)
	}
	tc.settle()
	for _, secret := range []string{"Grzegorz", "Brzęczyszczykiewicz", "600700800", "600 700 800", "Przedsiębiorstwo", "biuro@firma", code} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs.String())
		}
	}
}
