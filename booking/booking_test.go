package booking_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/calendar"
	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
	"github.com/numerek/numerek/store"
)

// tuesday9 is Tuesday 24 November 2026, 9:00 in Warsaw.
var tuesday9 = time.Date(2026, 11, 24, 9, 0, 0, 0, queuetest.Warsaw)

// outbox is a fake Send: it keeps the messages, or fails them.
type outbox struct {
	mu   sync.Mutex
	msgs []notify.Message
	fail bool
}

func (o *outbox) send(m notify.Message, done func(error)) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail {
		if done != nil {
			done(errors.New("provider down"))
		}
		return nil
	}
	o.msgs = append(o.msgs, m)
	if done != nil {
		done(nil)
	}
	return nil
}

func (o *outbox) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.msgs)
}

// last is the last message to contact value to.
func (o *outbox) last(t testing.TB, to string) notify.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To.Value == to {
			return o.msgs[i]
		}
	}
	t.Fatalf("no message to %s", to)
	return notify.Message{}
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// code is the last code sent to to.
func (o *outbox) code(t testing.TB, to string) string {
	t.Helper()
	c := codeRE.FindString(o.last(t, to).Text)
	if c == "" {
		t.Fatalf("no code in the last message to %s", to)
	}
	return c
}

// fixture is a booking on a real engine and a real store in a temporary
// directory, on a fake clock.
type fixture struct {
	t      testing.TB
	cfg    booking.Config
	branch queue.Branch
	clock  *queuetest.Clock
	path   string
	db     *store.DB
	engine *queue.Engine
	b      *booking.Bookings
	out    *outbox
}

func newFixture(t testing.TB, now time.Time, change ...func(*booking.Config, *queue.Branch)) *fixture {
	t.Helper()
	f := &fixture{
		t: t, cfg: booking.DefaultConfig(), branch: queuetest.Branch(), clock: queuetest.NewClock(now),
		path: filepath.Join(t.TempDir(), "numerek.db"), out: &outbox{},
	}
	for _, c := range change {
		c(&f.cfg, &f.branch)
	}
	f.open()
	t.Cleanup(func() { f.db.Close() })
	return f
}

// open opens the store, the engine and the booking, as a controller does.
func (f *fixture) open() {
	f.t.Helper()
	var err error
	if f.db, err = store.Open(f.path); err != nil {
		f.t.Fatal(err)
	}
	if f.engine, err = queue.New(f.branch, queue.Options{Clock: f.clock, Journal: f.db}); err != nil {
		f.t.Fatal(err)
	}
	for _, l := range f.branch.Locations {
		err := f.db.Events(l.ID, 0, func(ev queue.Event) error {
			_, err := f.engine.Replay(ev)
			return err
		})
		if err != nil {
			f.t.Fatal(err)
		}
	}
	if f.b, err = booking.Open(f.cfg, f.engine, f.db, f.out.send, booking.Options{Clock: f.clock, PublicURL: "https://bom.example.pl", Logger: slog.New(slog.DiscardHandler)}); err != nil {
		f.t.Fatal(err)
	}
}

// restart closes everything and opens it again from the file.
func (f *fixture) restart() {
	f.t.Helper()
	if err := f.db.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

// hold holds loc's svc at start, failing the test on an error.
func (f *fixture) hold(loc, svc string, start time.Time) booking.Booking {
	f.t.Helper()
	bk, err := f.b.Hold(loc, svc, start, "192.0.2.1", "pl")
	if err != nil {
		f.t.Fatalf("hold %s %s %s: %v", loc, svc, start.Format("02.01 15:04"), err)
	}
	return bk
}

// book runs the whole flow for contact and returns the confirmed booking.
func (f *fixture) book(loc, svc string, start time.Time, contact string) booking.Booking {
	f.t.Helper()
	bk := f.hold(loc, svc, start)
	if _, err := f.b.SetPerson(bk.ID, booking.PersonForm{First: "Jan", Last: "Kowalski", Contact: contact}, "192.0.2.1"); err != nil {
		f.t.Fatalf("set person: %v", err)
	}
	to := contact
	if c, err := booking.ParseContact(contact); err == nil {
		to = c.Value
	}
	bk, err := f.b.Confirm(context.Background(), bk.ID, f.out.code(f.t, to))
	if err != nil {
		f.t.Fatalf("confirm: %v", err)
	}
	return bk
}

// times lists the free times of a day as "15:04 (free)".
func times(d booking.Day) []string {
	var s []string
	for _, sl := range d.Slots {
		s = append(s, sl.Start.Format("15:04")+" ("+string(rune('0'+sl.Free))+")")
	}
	return s
}

func date(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }

func at(d calendar.Date, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", d.String()+" "+hhmm, queuetest.Warsaw)
	if err != nil {
		panic(err)
	}
	return t
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := queue.ErrorCode(err); got != code {
		t.Fatalf("got %v (code %q), want code %q", err, got, code)
	}
}

// TestDays checks the free times: opening hours, the lead time, weekends,
// holidays, closure days, full slots, the 30-day edge, the time zone.
func TestDays(t *testing.T) {
	wed := date(2026, 11, 25)
	tests := []struct {
		name    string
		now     time.Time
		change  func(*booking.Config, *queue.Branch)
		before  func(f *fixture) // bookings and holds made first
		loc     string
		svc     string
		day     calendar.Date
		closed  string
		holiday string
		first   string // the first free time and its free counters
		last    string
		count   int
	}{
		{name: "opening hours, 10-minute slots on 4 counters", now: tuesday9, loc: "centrum", svc: "A", day: wed,
			first: "08:00 (4)", last: "17:50 (4)", count: 60},
		{name: "15-minute slots on the one counter of C", now: tuesday9, loc: "centrum", svc: "C", day: wed,
			first: "08:00 (1)", last: "17:45 (1)", count: 40},
		{name: "a slot length from the configuration", now: tuesday9, loc: "centrum", svc: "A", day: wed,
			change: func(c *booking.Config, _ *queue.Branch) { c.Slots = map[string]time.Duration{"A": 30 * time.Minute} },
			first:  "08:00 (4)", last: "17:30 (4)", count: 20},
		{name: "today, an hour's lead from 9:00", now: tuesday9, loc: "centrum", svc: "A", day: date(2026, 11, 24),
			first: "10:00 (4)", last: "17:50 (4)", count: 48},
		{name: "today, a two-hour lead from 9:05", now: tuesday9.Add(5 * time.Minute), loc: "centrum", svc: "A", day: date(2026, 11, 24),
			change: func(c *booking.Config, _ *queue.Branch) { c.Lead = 2 * time.Hour },
			first:  "11:10 (4)", last: "17:50 (4)", count: 41},
		{name: "today after closing", now: tuesday9.Add(9 * time.Hour), loc: "centrum", svc: "A", day: date(2026, 11, 24), count: 0},
		{name: "saturday", now: tuesday9, loc: "centrum", svc: "A", day: date(2026, 11, 28), closed: booking.ClosedWeekday},
		{name: "a holiday (Christmas Eve, a day off since 2025)", now: tuesday9, loc: "centrum", svc: "A", day: date(2026, 12, 24),
			closed: booking.ClosedHoliday, holiday: "Wigilia Bożego Narodzenia"},
		{name: "a closure day of all offices", now: tuesday9, loc: "centrum", svc: "A", day: date(2026, 12, 1),
			change: func(c *booking.Config, _ *queue.Branch) {
				c.Closed = map[string][]calendar.Date{"": {date(2026, 12, 1)}}
			},
			closed: booking.ClosedClosure},
		{name: "a closure day of another office", now: tuesday9, loc: "centrum", svc: "A", day: date(2026, 12, 2),
			change: func(c *booking.Config, _ *queue.Branch) {
				c.Closed = map[string][]calendar.Date{"plaza": {date(2026, 12, 2)}}
			},
			first: "08:00 (4)", last: "17:50 (4)", count: 60},
		{name: "full slots are left out", now: tuesday9, loc: "centrum", svc: "C", day: wed,
			before: func(f *fixture) {
				f.hold("centrum", "C", at(wed, "08:00"))
				f.book("centrum", "C", at(wed, "17:45"), "600700800")
			},
			first: "08:15 (1)", last: "17:30 (1)", count: 38},
		{name: "another service's visit takes a shared counter", now: tuesday9, loc: "centrum", svc: "A", day: wed,
			before: func(f *fixture) { f.hold("centrum", "C", at(wed, "08:00")) }, // counter 3, 8:00-8:15
			first:  "08:00 (3)", last: "17:50 (4)", count: 60},
		{name: "the 30th day, up to the time 30 days from now", now: time.Date(2026, 12, 1, 9, 0, 0, 0, queuetest.Warsaw),
			loc: "centrum", svc: "A", day: date(2026, 12, 31), first: "08:00 (4)", last: "09:00 (4)", count: 7},
		{name: "a server in UTC: the office's time counts", now: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), // 9:00 in Warsaw
			loc: "centrum", svc: "A", day: date(2026, 11, 24), first: "10:00 (4)", last: "17:50 (4)", count: 48},
		{name: "the day the clocks go back", now: time.Date(2026, 10, 20, 9, 0, 0, 0, queuetest.Warsaw),
			loc: "centrum", svc: "A", day: date(2026, 10, 26), first: "08:00 (4)", last: "17:50 (4)", count: 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var change []func(*booking.Config, *queue.Branch)
			if tt.change != nil {
				change = append(change, tt.change)
			}
			f := newFixture(t, tt.now, change...)
			if tt.before != nil {
				tt.before(f)
			}
			d, err := f.b.Day(tt.loc, tt.svc, tt.day, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if d.Closed != tt.closed || d.Holiday != tt.holiday {
				t.Fatalf("closed: got %q %q, want %q %q", d.Closed, d.Holiday, tt.closed, tt.holiday)
			}
			got := times(d)
			if len(got) != tt.count {
				t.Fatalf("times: got %d %v, want %d", len(got), got, tt.count)
			}
			if tt.count > 0 && (got[0] != tt.first || got[len(got)-1] != tt.last) {
				t.Fatalf("times: got %s … %s, want %s … %s", got[0], got[len(got)-1], tt.first, tt.last)
			}
			for _, s := range d.Slots {
				if s.Start.Location() != queuetest.Warsaw {
					t.Fatalf("a time in %v, want the office's zone", s.Start.Location())
				}
			}
		})
	}
}

// TestDaysWindow checks the list of dates: from today to 30 days ahead.
func TestDaysWindow(t *testing.T) {
	f := newFixture(t, tuesday9)
	days, err := f.b.Days("centrum", "A", tuesday9)
	if err != nil {
		t.Fatal(err)
	}
	if first, last := days[0].Date, days[len(days)-1].Date; first != date(2026, 11, 24) || last != date(2026, 12, 24) || len(days) != 31 {
		t.Fatalf("dates: got %d from %s to %s, want 31 from 2026-11-24 to 2026-12-24", len(days), first, last)
	}
	if _, err := f.b.Day("centrum", "A", date(2026, 12, 25), tuesday9); queue.ErrorCode(err) != queue.EInvalid {
		t.Fatalf("a date past the window: got %v, want invalid", err)
	}
	if _, err := f.b.Day("centrum", "A", date(2026, 11, 23), tuesday9); queue.ErrorCode(err) != queue.EInvalid {
		t.Fatalf("yesterday: got %v, want invalid", err)
	}
	for _, tt := range []struct{ loc, svc string }{{"nowhere", "A"}, {"centrum", "Z"}, {"centrum", "B"}, {"plaza", "C"}} {
		if _, err := f.b.Days(tt.loc, tt.svc, tuesday9); queue.ErrorCode(err) != queue.ENotFound {
			t.Errorf("%s at %s: got %v, want not found", tt.svc, tt.loc, err)
		}
	}
}

// TestBookingFlow walks the five steps for a phone and an e-mail address.
func TestBookingFlow(t *testing.T) {
	f := newFixture(t, tuesday9)
	wed := date(2026, 11, 25)
	bk := f.hold("centrum", "A", at(wed, "10:30"))
	if bk.Status != booking.Held || bk.Counter != 1 || !bk.HoldUntil.Equal(tuesday9.Add(15*time.Minute)) {
		t.Fatalf("held: got %+v", bk)
	}
	if _, err := f.b.Confirm(context.Background(), bk.ID, "123456"); queue.ErrorCode(err) != queue.EConflict {
		t.Fatalf("a code before any was sent: got %v, want conflict", err)
	}
	_, err := f.b.SetPerson(bk.ID, booking.PersonForm{First: "Jan", Last: "Kowalski", Contact: "600 700 800"}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	code := f.out.code(t, "+48600700800")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = f.b.Confirm(context.Background(), bk.ID, wrong)
	wantCode(t, err, queue.EInvalid)
	if !strings.Contains(err.Error(), "4 tries left") {
		t.Fatalf("a wrong code: got %q, want the tries left", err)
	}
	bk, err = f.b.Confirm(context.Background(), bk.ID, code[:3]+" "+code[3:])
	if err != nil {
		t.Fatal(err)
	}
	if bk.Status != booking.Confirmed || bk.Number != "R001" || bk.Token == "" {
		t.Fatalf("confirmed: got %+v", bk)
	}
	tk, ok := f.engine.TicketByBooking("centrum", bk.ID)
	if !ok || tk.Status != queue.StatusBooked || !tk.Key.Equal(at(wed, "10:30")) || tk.Number != "R001" {
		t.Fatalf("the engine's ticket: got %+v, %v", tk, ok)
	}
	sms := f.out.last(t, "+48600700800")
	for _, want := range []string{"25.11.2026", "10:30", "BOM Centrum", "R001", "https://bom.example.pl/t/" + bk.Token + "?leave"} {
		if !strings.Contains(sms.Text, want) {
			t.Errorf("the confirmation SMS %q lacks %q", sms.Text, want)
		}
	}
	if again, err := f.b.Confirm(context.Background(), bk.ID, code); err != nil || again.Number != "R001" {
		t.Fatalf("confirming twice: got %+v, %v; want the same booking", again, err)
	}

	// An e-mail address gets the confirmation with a calendar file.
	mail := f.book("centrum", "A", at(wed, "10:30"), "anna.nowak@example.com")
	if mail.Number != "R002" || mail.Counter != 2 {
		t.Fatalf("a second visit at 10:30: got %s at counter %d, want R002 at counter 2", mail.Number, mail.Counter)
	}
	m := f.out.last(t, "anna.nowak@example.com")
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "wizyta.ics" || !strings.Contains(string(m.Attachments[0].Data), "DTSTART:20261125T093000Z") {
		t.Fatalf("the e-mail's attachment: got %+v", m.Attachments)
	}
	if !strings.Contains(m.Subject, "R002") || !strings.Contains(m.Text, "25.11.2026, godz. 10:30") {
		t.Fatalf("the e-mail: got %q / %q", m.Subject, m.Text)
	}
}

// TestPersonForm checks step 4's mistakes: each names its field and
// changes nothing.
func TestPersonForm(t *testing.T) {
	f := newFixture(t, tuesday9)
	bk := f.hold("centrum", "A", at(date(2026, 11, 25), "10:30"))
	tests := []struct {
		name  string
		form  booking.PersonForm
		field string
		want  string
	}{
		{"nothing", booking.PersonForm{Contact: "600700800"}, "first", "first and last name, or a company"},
		{"no last name", booking.PersonForm{First: "Jan", Contact: "600700800"}, "last", "last name too"},
		{"no first name", booking.PersonForm{Last: "Kowalski", Contact: "600700800"}, "first", "first name too"},
		{"no contact", booking.PersonForm{First: "Jan", Last: "Kowalski"}, "contact", "enter a mobile phone number or an e-mail"},
		{"a landline", booking.PersonForm{Company: "Kowalski sp. z o.o.", Contact: "22 123 45 67"}, "contact", "not a mobile phone number"},
		{"not an e-mail", booking.PersonForm{Company: "Firma", Contact: "jan@"}, "contact", "not a valid e-mail"},
		{"a long name", booking.PersonForm{First: strings.Repeat("a", 101), Last: "K", Contact: "600700800"}, "first", "longer than 100"},
		{"a control character", booking.PersonForm{First: "Jan\x00", Last: "K", Contact: "600700800"}, "first", "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.b.SetPerson(bk.ID, tt.form, "192.0.2.1")
			var fe *booking.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a mistake in %s with %q", err, tt.field, tt.want)
			}
			wantCode(t, err, queue.EInvalid)
		})
	}
	if n := f.out.count(); n != 0 {
		t.Fatalf("%d messages sent for forms with mistakes, want none", n)
	}
	if _, ok := f.b.Person(bk.ID); ok {
		t.Fatalf("a person was kept from forms with mistakes")
	}
	// A company alone is enough.
	if _, err := f.b.SetPerson(bk.ID, booking.PersonForm{Company: "  Kowalski   sp. z o.o. ", Contact: "600700800"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.b.Person(bk.ID); p.Company != "Kowalski sp. z o.o." {
		t.Fatalf("company: got %q", p.Company)
	}
}

// TestCodes checks the code's expiry, its tries and the resends.
func TestCodes(t *testing.T) {
	wed := date(2026, 11, 25)
	start := func(t *testing.T) (*fixture, booking.Booking) {
		f := newFixture(t, tuesday9)
		bk := f.hold("centrum", "A", at(wed, "10:30"))
		if _, err := f.b.SetPerson(bk.ID, booking.PersonForm{First: "Jan", Last: "K", Contact: "600700800"}, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		return f, bk
	}
	const to = "+48600700800"
	t.Run("expires after 10 minutes", func(t *testing.T) {
		f, bk := start(t)
		code := f.out.code(t, to)
		f.clock.Advance(10 * time.Minute)
		_, err := f.b.Confirm(context.Background(), bk.ID, code)
		wantCode(t, err, queue.EConflict)
		if !strings.Contains(err.Error(), "expired") {
			t.Fatalf("got %v, want expired", err)
		}
	})
	t.Run("good for 9 minutes 59 seconds", func(t *testing.T) {
		f, bk := start(t)
		code := f.out.code(t, to)
		f.clock.Advance(10*time.Minute - time.Second)
		if _, err := f.b.Confirm(context.Background(), bk.ID, code); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("five tries", func(t *testing.T) {
		f, bk := start(t)
		code := f.out.code(t, to)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			_, err := f.b.Confirm(context.Background(), bk.ID, wrong)
			want := queue.EInvalid
			if i == 5 {
				want = booking.ERateLimited
			}
			wantCode(t, err, want)
		}
		_, err := f.b.Confirm(context.Background(), bk.ID, code)
		wantCode(t, err, booking.ERateLimited) // even the right one, now
		f.restart()                            // tries are stored
		_, err = f.b.Confirm(context.Background(), bk.ID, code)
		wantCode(t, err, booking.ERateLimited)
		if _, err := f.b.Resend(bk.ID, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.b.Confirm(context.Background(), bk.ID, f.out.code(t, to)); err != nil {
			t.Fatalf("a new code after the tries: %v", err)
		}
	})
	t.Run("a new code replaces the old one", func(t *testing.T) {
		f, bk := start(t)
		old := f.out.code(t, to)
		if _, err := f.b.Resend(bk.ID, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		code := f.out.code(t, to)
		if old != code {
			_, err := f.b.Confirm(context.Background(), bk.ID, old)
			wantCode(t, err, queue.EInvalid)
		}
		if _, err := f.b.Confirm(context.Background(), bk.ID, code); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("three resends", func(t *testing.T) {
		f, bk := start(t)
		for i := 1; i <= 3; i++ {
			if _, err := f.b.Resend(bk.ID, "192.0.2.1"); err != nil {
				t.Fatalf("resend %d: %v", i, err)
			}
		}
		_, err := f.b.Resend(bk.ID, "192.0.2.1")
		wantCode(t, err, booking.ERateLimited)
		if n := f.out.count(); n != 4 {
			t.Fatalf("codes sent: got %d, want 4", n)
		}
	})
	t.Run("a failed send shows and does not count", func(t *testing.T) {
		f, bk := start(t)
		f.out.fail = true
		if _, err := f.b.Resend(bk.ID, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.b.Get(bk.ID)
		if !got.Code.Failed || got.Code.Sends != 1 {
			t.Fatalf("after a failed send: got %+v, want failed and 1 send counted", got.Code)
		}
		f.out.fail = false
		if _, err := f.b.Resend(bk.ID, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.b.Get(bk.ID); got.Code.Failed {
			t.Fatalf("a code sent again still shows as failed")
		}
	})
	t.Run("the hold lasts as long as the code", func(t *testing.T) {
		f, bk := start(t)
		f.clock.Advance(14 * time.Minute)
		if _, err := f.b.Resend(bk.ID, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(9 * time.Minute) // 23 minutes after the hold
		if _, err := f.b.Confirm(context.Background(), bk.ID, f.out.code(t, to)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLimits checks the limits against abuse: codes per phone number, per
// e-mail, per address, in all; and the visits per contact.
func TestLimits(t *testing.T) {
	wed := date(2026, 11, 25)
	t.Run("SMS pumping: many numbers from one address", func(t *testing.T) {
		f := newFixture(t, tuesday9)
		refused := 0
		for i := range 40 {
			bk, err := f.b.Hold("centrum", "A", at(wed, "08:00").Add(time.Duration(i)*10*time.Minute), "198.51.100.7", "pl")
			if err != nil {
				wantCode(t, err, booking.ERateLimited) // holds per address
				refused++
				continue
			}
			_, err = f.b.SetPerson(bk.ID, booking.PersonForm{Company: "X", Contact: "+48 600 700 " + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))}, "198.51.100.7")
			if err != nil {
				wantCode(t, err, booking.ERateLimited)
				refused++
			}
		}
		if n := f.out.count(); n != f.cfg.CodesPerAddress {
			t.Fatalf("codes sent from one address: got %d, want %d", n, f.cfg.CodesPerAddress)
		}
		if refused != 40-f.cfg.CodesPerAddress {
			t.Fatalf("refused: got %d, want %d", refused, 40-f.cfg.CodesPerAddress)
		}
		// Another address may still book; an hour later this one may too.
		bk := f.hold("centrum", "A", at(wed, "15:00"))
		if _, err := f.b.SetPerson(bk.ID, booking.PersonForm{Company: "Y", Contact: "600700999"}, "192.0.2.99"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("codes to one number from many addresses", func(t *testing.T) {
		f := newFixture(t, tuesday9)
		for i := range 8 {
			bk, err := f.b.Hold("centrum", "A", at(wed, "08:00").Add(time.Duration(i)*10*time.Minute), "203.0.113."+string(rune('0'+i)), "pl")
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.b.SetPerson(bk.ID, booking.PersonForm{Company: "X", Contact: "600700800"}, "203.0.113."+string(rune('0'+i)))
			if i < f.cfg.CodesPerContact && err != nil {
				t.Fatalf("code %d: %v", i+1, err)
			}
			if i >= f.cfg.CodesPerContact {
				var fe *booking.FieldError
				if !errors.As(err, &fe) || fe.Field != "contact" || queue.ErrorCode(err) != booking.ERateLimited {
					t.Fatalf("code %d: got %v, want the contact's limit", i+1, err)
				}
			}
		}
		f.clock.Advance(time.Hour)
		bk := f.hold("centrum", "A", at(wed, "16:00"))
		if _, err := f.b.SetPerson(bk.ID, booking.PersonForm{Company: "X", Contact: "600700800"}, "203.0.113.50"); err != nil {
			t.Fatalf("an hour later: %v", err)
		}
	})
	t.Run("the same for an e-mail address", func(t *testing.T) {
		f := newFixture(t, tuesday9, func(c *booking.Config, _ *queue.Branch) { c.CodesPerContact = 2 })
		for i, want := range []string{"", "", booking.ERateLimited} {
			bk := f.hold("centrum", "A", at(wed, "08:00").Add(time.Duration(i)*10*time.Minute))
			_, err := f.b.SetPerson(bk.ID, booking.PersonForm{Company: "X", Contact: "Jan@Example.com"}, "203.0.113."+string(rune('0'+i)))
			wantCode(t, err, want)
		}
	})
	t.Run("all codes in an hour", func(t *testing.T) {
		f := newFixture(t, tuesday9, func(c *booking.Config, _ *queue.Branch) { c.CodesPerHour = 3 })
		for i, want := range []string{"", "", "", booking.ERateLimited} {
			bk := f.hold("centrum", "A", at(wed, "08:00").Add(time.Duration(i)*10*time.Minute))
			_, err := f.b.SetPerson(bk.ID, booking.PersonForm{Company: "X", Contact: "60070080" + string(rune('0'+i))}, "203.0.113."+string(rune('0'+i)))
			wantCode(t, err, want)
		}
	})
	t.Run("visits to come per contact", func(t *testing.T) {
		f := newFixture(t, tuesday9)
		f.book("centrum", "A", at(wed, "08:00"), "600700800")
		f.book("centrum", "A", at(wed, "09:00"), "600700800")
		bk := f.hold("centrum", "A", at(wed, "10:00"))
		_, err := f.b.SetPerson(bk.ID, booking.PersonForm{First: "Jan", Last: "K", Contact: "+48600700800"}, "192.0.2.1")
		wantCode(t, err, booking.ERateLimited)
		if !strings.Contains(err.Error(), "already has 2 booked visits") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestHoldExpires checks that a hold ends after 15 minutes: the time is
// free again, the steps after it refuse, and the person is forgotten.
func TestHoldExpires(t *testing.T) {
	f := newFixture(t, tuesday9)
	wed := date(2026, 11, 25)
	bk := f.hold("centrum", "C", at(wed, "10:00"))
	if _, err := f.b.Hold("centrum", "C", at(wed, "10:00"), "192.0.2.2", "pl"); queue.ErrorCode(err) != queue.EConflict {
		t.Fatalf("the held time again: got %v, want conflict", err)
	}
	if _, err := f.b.SetPerson(bk.ID, booking.PersonForm{First: "Jan", Last: "K", Contact: "600700800"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Minute)
	_, err := f.b.Confirm(context.Background(), bk.ID, f.out.code(t, "+48600700800"))
	wantCode(t, err, queue.EConflict)
	if err := f.b.Sweep(f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.db.Personal(store.BookingPersonalRef(bk.ID)); ok {
		t.Fatalf("the person of an expired hold is still stored")
	}
	f.hold("centrum", "C", at(wed, "10:00")) // free again
	f.restart()
	if got, _ := f.b.Get(bk.ID); got.Status != booking.Expired {
		t.Fatalf("after a restart: got %s, want expired", got.Status)
	}
}

// TestHoldErrors checks times that cannot be held.
func TestHoldErrors(t *testing.T) {
	f := newFixture(t, tuesday9)
	wed := date(2026, 11, 25)
	tests := []struct {
		name     string
		loc, svc string
		start    time.Time
		code     string
	}{
		{"not on the grid", "centrum", "A", at(wed, "10:05"), queue.EInvalid},
		{"before opening", "centrum", "A", at(wed, "07:50"), queue.EInvalid},
		{"the last slot would end after closing", "centrum", "C", at(wed, "17:50"), queue.EInvalid},
		{"within the lead time", "centrum", "A", tuesday9.Add(30 * time.Minute), queue.EInvalid},
		{"in the past", "centrum", "A", tuesday9.Add(-time.Hour), queue.EInvalid},
		{"beyond 30 days", "centrum", "A", at(date(2026, 12, 28), "10:00"), queue.EInvalid},
		{"a holiday", "centrum", "A", at(date(2026, 12, 24), "10:00"), queue.EInvalid},
		{"a service not booked online", "centrum", "B", at(wed, "10:00"), queue.ENotFound},
		{"unknown location", "nowhere", "A", at(wed, "10:00"), queue.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.b.Hold(tt.loc, tt.svc, tt.start, "192.0.2.1", "pl")
			wantCode(t, err, tt.code)
		})
	}
}

// TestLastPlace makes 1,000 people try for the one remaining place at once:
// exactly one books it.
func TestLastPlace(t *testing.T) {
	f := newFixture(t, tuesday9)
	wed := date(2026, 11, 25)
	slot := at(wed, "10:00") // C has one counter: one place
	const people = 1000
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		booked []booking.Booking
		other  = map[string]int{}
	)
	for i := range people {
		wg.Go(func() {
			addr := "10.1." + itoa(i/250) + "." + itoa(i%250)
			bk, err := f.b.Hold("centrum", "C", slot, addr, "pl")
			if err == nil {
				contact := "+48 601 " + pad3(i/1000) + " " + pad3(i%1000)
				if _, err = f.b.SetPerson(bk.ID, booking.PersonForm{Company: "Firma " + itoa(i), Contact: contact}, addr); err == nil {
					c, _ := booking.ParseContact(contact)
					bk, err = f.b.Confirm(context.Background(), bk.ID, f.out.code(t, c.Value))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				other[queue.ErrorCode(err)]++
				return
			}
			booked = append(booked, bk)
		})
	}
	wg.Wait()
	if len(booked) != 1 || other[queue.EConflict] != people-1 {
		t.Fatalf("got %d bookings and errors %v, want 1 booking and %d conflicts", len(booked), other, people-1)
	}
	if tk, ok := f.engine.TicketByBooking("centrum", booked[0].ID); !ok || tk.Number != "R001" {
		t.Fatalf("the engine's ticket of the booking: %+v, %v; want R001", tk, ok)
	}
	if _, err := f.engine.Cancel(context.Background(), "centrum", "R002"); queue.ErrorCode(err) != queue.ENotFound {
		t.Fatalf("a second booked ticket: %v, want none", err)
	}
	confirmed := 0
	f.b.Each(func(bk booking.Booking) {
		if bk.Status == booking.Confirmed {
			confirmed++
		}
	})
	if confirmed != 1 {
		t.Fatalf("confirmed bookings: %d, want 1", confirmed)
	}
	d, _ := f.b.Day("centrum", "C", wed, f.clock.Now())
	for _, s := range d.Slots {
		if s.Start.Equal(slot) {
			t.Fatalf("the booked place is still offered")
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func pad3(i int) string {
	return string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)})
}

// TestRestart checks that a confirmed booking and its place survive a
// restart, and that one cut off while its ticket was being made is
// finished from the engine's log.
func TestRestart(t *testing.T) {
	f := newFixture(t, tuesday9)
	wed := date(2026, 11, 25)
	bk := f.book("centrum", "C", at(wed, "10:00"), "600700800")
	f.restart()
	got, ok := f.b.Get(bk.ID)
	if !ok || got.Status != booking.Confirmed || got.Number != "R001" || got.Token != bk.Token {
		t.Fatalf("after a restart: got %+v", got)
	}
	if p, ok := f.b.Person(bk.ID); !ok || p.Contact.Value != "+48600700800" {
		t.Fatalf("the person after a restart: got %+v, %v", p, ok)
	}
	if _, err := f.b.Hold("centrum", "C", at(wed, "10:00"), "192.0.2.3", "pl"); queue.ErrorCode(err) != queue.EConflict {
		t.Fatalf("the booked place after a restart: got %v, want conflict", err)
	}
}

// TestCancel checks that a cancelled ticket frees its place and forgets
// the person.
func TestCancel(t *testing.T) {
	f := newFixture(t, tuesday9)
	wed := date(2026, 11, 25)
	bk := f.book("centrum", "C", at(wed, "10:00"), "600700800")
	if _, err := f.engine.Cancel(context.Background(), "centrum", bk.Ticket); err != nil {
		t.Fatal(err)
	}
	if err := f.b.TicketCancelled(bk.Ticket); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.b.Get(bk.ID); got.Status != booking.Cancelled {
		t.Fatalf("status: got %s, want cancelled", got.Status)
	}
	if _, ok := f.b.Person(bk.ID); ok {
		t.Fatalf("the person of a cancelled visit is kept")
	}
	if _, ok, _ := f.db.Personal(store.BookingPersonalRef(bk.ID)); ok {
		t.Fatalf("the person of a cancelled visit is stored")
	}
	again := f.book("centrum", "C", at(wed, "10:00"), "600700800") // free again
	if again.Number != "R002" {
		t.Fatalf("the place booked again: got %s, want R002", again.Number)
	}
	if err := f.b.TicketCancelled("centrum/2026-11-25/A001"); err != nil {
		t.Fatalf("a walk-in's cancellation: %v", err)
	}
}

// TestPurge checks that the person is deleted PersonalDataDays after the
// visit's day, and not before.
func TestPurge(t *testing.T) {
	f := newFixture(t, tuesday9, func(c *booking.Config, _ *queue.Branch) { c.PersonalDataDays = 30 })
	wed := date(2026, 11, 25)
	bk := f.book("centrum", "C", at(wed, "10:00"), "600700800")
	ref := store.BookingPersonalRef(bk.ID)
	for _, tt := range []struct {
		now  time.Time
		kept bool
	}{
		{at(date(2026, 12, 25), "23:59"), true},
		{at(date(2026, 12, 26), "00:00"), false}, // 25 Nov + 1 + 30 days
	} {
		if err := f.b.Sweep(tt.now); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := f.db.Personal(ref); ok != tt.kept {
			t.Fatalf("at %s: stored %v, want %v", tt.now, ok, tt.kept)
		}
		if _, ok := f.b.Person(bk.ID); ok != tt.kept {
			t.Fatalf("at %s: kept %v, want %v", tt.now, ok, tt.kept)
		}
	}
}

// slowEngine holds Book until released, to catch a booking mid-confirm.
type slowEngine struct {
	*queue.Engine
	entered, release chan struct{}
}

func (e slowEngine) Book(ctx context.Context, r queue.BookRequest) (queue.Ticket, error) {
	close(e.entered)
	<-e.release
	return e.Engine.Book(ctx, r)
}

// TestConfirmTwiceAtOnce: a second submit of the code while the first is
// making the ticket is told to wait, and only one ticket is made.
func TestConfirmTwiceAtOnce(t *testing.T) {
	f := newFixture(t, tuesday9)
	slow := slowEngine{f.engine, make(chan struct{}), make(chan struct{})}
	b, err := booking.Open(f.cfg, slow, f.db, f.out.send, booking.Options{Clock: f.clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	bk, err := b.Hold("centrum", "C", at(date(2026, 11, 25), "10:00"), "192.0.2.1", "pl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetPerson(bk.ID, booking.PersonForm{Company: "Firma", Contact: "600700800"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	code := f.out.code(t, "+48600700800")
	first := make(chan error, 1)
	go func() {
		_, err := b.Confirm(context.Background(), bk.ID, code)
		first <- err
	}()
	<-slow.entered
	_, err = b.Confirm(context.Background(), bk.ID, code)
	wantCode(t, err, queue.EConflict)
	if !strings.Contains(err.Error(), "being confirmed") {
		t.Fatalf("the second submit: got %v, want to be told to wait", err)
	}
	close(slow.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Get(bk.ID); got.Status != booking.Confirmed || got.Number != "R001" {
		t.Fatalf("after both: got %s %s, want confirmed R001", got.Status, got.Number)
	}
}
