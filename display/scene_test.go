package display_test

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/display"
	"github.com/numerek/numerek/display/screentest"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

var warsaw = queuetest.Warsaw

// t0 is a Tuesday morning at the office.
var t0 = time.Date(2026, 11, 24, 9, 41, 20, 0, warsaw)

// rig is a scene on a fake clock, showing the busy hall.
type rig struct {
	s     *display.Scene
	clock *queuetest.Clock
	seq   uint64
}

func newRig(o display.Options, v queue.View) *rig {
	o.TZ = warsaw
	r := &rig{clock: queuetest.NewClock(t0), seq: v.Seq}
	r.s = display.NewScene(o, r.clock)
	r.s.Snapshot(v)
	r.s.SetOnline(true)
	return r
}

// event applies an event about number ("" for none) at counter, now.
func (r *rig) event(typ queue.EventType, number string, counter int) {
	r.seq++
	e := queue.Event{Seq: r.seq, Type: typ, Time: r.clock.Now(), Counter: counter, Day: t0.Format("2006-01-02")}
	if number != "" {
		e.Ticket = queue.TicketID("centrum", e.Day, number)
		e.Number, e.Service, e.Attempt, e.Key = number, number[:1], 1, r.clock.Now()
	}
	r.s.Apply(e)
}

func (r *rig) frame(w, h int) display.Frame {
	f, _ := r.s.Frame(w, h)
	return f
}

// text returns the text of the item tagged tag, or "-".
func text(f display.Frame, tag string) string {
	if it, ok := f.Find(tag); ok {
		return it.Text
	}
	return "-"
}

// tagged returns the texts of the items whose tag has prefix and suffix.
func tagged(f display.Frame, prefix, suffix string) []string {
	var out []string
	for _, it := range f.Items {
		if strings.HasPrefix(it.Tag, prefix) && strings.HasSuffix(it.Tag, suffix) {
			out = append(out, it.Text)
		}
	}
	return out
}

// TestWhichCallsShow checks the newest call and the recent ones under it:
// newest first, a recalled number once, at most Recent of them.
func TestWhichCallsShow(t *testing.T) {
	r := newRig(display.Options{}, screentest.Hall(t0))
	f := r.frame(1920, 1080)
	if got := text(f, "newest.number") + " " + text(f, "newest.counter"); got != "A029 Stanowisko 1" {
		t.Errorf("got newest %q, want %q", got, "A029 Stanowisko 1")
	}
	// B011 was called twice: listed once, at its latest call.
	want := []string{"B011", "C029", "A028", "J004", "E012", "D017"}
	if got := tagged(f, "recent.", ".number"); !slices.Equal(got, want) {
		t.Errorf("got recent %v, want %v", got, want)
	}
	if got := tagged(f, "recent.", ".counter"); !slices.Equal(got, []string{"2", "6", "3", "7", "8", "10"}) {
		t.Errorf("got recent counters %v, want 2 6 3 7 8 10", got)
	}

	r.clock.Advance(time.Minute)
	r.event(queue.Called, "A030", 5)
	f = r.frame(1920, 1080)
	if got := text(f, "newest.number") + " " + text(f, "newest.counter"); got != "A030 Stanowisko 5" {
		t.Errorf("after a call: got newest %q, want %q", got, "A030 Stanowisko 5")
	}
	want = []string{"A029", "B011", "C029", "A028", "J004", "E012"}
	if got := tagged(f, "recent.", ".number"); !slices.Equal(got, want) {
		t.Errorf("after a call: got recent %v, want %v", got, want)
	}
	// The called number left the queue.
	if got := tagged(f, "waiting.A", ".number"); len(got) == 0 || got[0] != "A031" {
		t.Errorf("got waiting A %v, want it to start at A031", got)
	}

	// A recall of an earlier number makes it the newest again.
	r.event(queue.Recalled, "A029", 1)
	f = r.frame(1920, 1080)
	if got := text(f, "newest.number"); got != "A029" {
		t.Errorf("after a recall: got newest %q, want A029", got)
	}
	if got := tagged(f, "recent.", ".number"); got[0] != "A030" || slices.Contains(got, "A029") {
		t.Errorf("after a recall: got recent %v, want A030 first and no A029", got)
	}

	r = newRig(display.Options{Recent: 2}, screentest.Hall(t0))
	if got := tagged(r.frame(1920, 1080), "recent.", ".number"); !slices.Equal(got, []string{"B011", "C029"}) {
		t.Errorf("with Recent 2: got %v, want B011 C029", got)
	}
	r = newRig(display.Options{Recent: -1}, screentest.Hall(t0))
	if got := tagged(r.frame(1920, 1080), "recent.", ""); len(got) != 0 {
		t.Errorf("with no recent calls: got %v, want none", got)
	}

	// A new day forgets yesterday's calls.
	r.seq++
	r.s.Apply(queue.Event{Seq: r.seq, Type: queue.DayStarted, Day: "2026-11-25", Time: t0.Add(15 * time.Hour)})
	f = r.frame(1920, 1080)
	if got := text(f, "newest.none"); got != "Brak wezwań" {
		t.Errorf("after the day started: got %q, want Brak wezwań", got)
	}
	if got := text(f, "waiting.none"); got != "Nikt nie czeka" {
		t.Errorf("after the day started: got %q, want Nikt nie czeka", got)
	}
}

// TestBlinking checks the newest call's blinking on the fake clock: bright
// at once, off half a second later, on again, and settled after Blink;
// Next says when each change is due.
func TestBlinking(t *testing.T) {
	r := newRig(display.Options{Blink: 3 * time.Second}, screentest.Hall(t0))
	bright := func() bool {
		f := r.frame(1920, 1080)
		_, framed := f.Find("newest.frame") // the settled look: a yellow frame round a dark box
		return !framed
	}
	if bright() {
		t.Fatal("the first snapshot's call blinks; want it settled: it is not news")
	}
	start := r.clock.Now()
	r.event(queue.Called, "A030", 5)
	for _, step := range []struct {
		at     time.Duration
		bright bool
		next   time.Duration
	}{
		{0, true, 500 * time.Millisecond},
		{499 * time.Millisecond, true, 500 * time.Millisecond},
		{500 * time.Millisecond, false, time.Second},
		{time.Second, true, 1500 * time.Millisecond},
		{2750 * time.Millisecond, false, 3 * time.Second},
		{3 * time.Second, false, 40 * time.Second}, // settled: the clock's next minute, 09:42:00
		{10 * time.Second, false, 40 * time.Second},
	} {
		r.clock.Set(start.Add(step.at))
		if got := bright(); got != step.bright {
			t.Errorf("at +%s: got bright %t, want %t", step.at, got, step.bright)
		}
		if got := r.s.Next().Sub(start); got != step.next {
			t.Errorf("at +%s: got the next frame at +%s, want +%s", step.at, got, step.next)
		}
	}

	// A desk's screen blinks for its own counter's calls only.
	d := newRig(display.Options{Role: display.Desk, Counter: 1, Blink: 3 * time.Second}, screentest.Hall(t0))
	deskBright := func() bool {
		_, framed := d.frame(1280, 720).Find("desk.frame")
		return !framed
	}
	d.event(queue.Called, "B030", 2)
	if deskBright() {
		t.Error("counter 1's screen blinks for a call to counter 2")
	}
	d.event(queue.Recalled, "A029", 1)
	if !deskBright() {
		t.Error("counter 1's screen does not blink for its own recall")
	}

	// No blinking at all when Blink is negative.
	n := newRig(display.Options{Blink: -1}, screentest.Hall(t0))
	n.event(queue.Called, "A030", 5)
	if _, framed := n.frame(1920, 1080).Find("newest.frame"); !framed {
		t.Error("with Blink < 0 a new call blinks; want it settled at once")
	}
}

// TestWaitingOverflow checks that the numbers waiting show in calling
// order, per service, and that a service with more than fit says how many
// more wait, exactly.
func TestWaitingOverflow(t *testing.T) {
	for _, size := range [][2]int{{1920, 1080}, {1280, 720}, {1080, 1920}, {800, 480}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			v := screentest.Hall(t0)
			r := newRig(display.Options{}, v)
			f := r.frame(size[0], size[1])
			perService := map[string][]string{}
			for _, w := range v.Waiting {
				perService[w.Service] = append(perService[w.Service], w.Number)
			}
			hidden := 0
			for _, sv := range v.Services {
				all := perService[sv.Prefix]
				shown := tagged(f, "waiting."+sv.Prefix, ".number")
				if _, ok := f.Find("waiting." + sv.Prefix); !ok {
					hidden += len(all) // no room for its card at all
					continue
				}
				if !slices.Equal(shown, all[:len(shown)]) {
					t.Errorf("service %s: got %v, want the first of %v in calling order", sv.Prefix, shown, all)
				}
				more := text(f, "waiting."+sv.Prefix+".more")
				if len(shown) == len(all) {
					if more != "-" {
						t.Errorf("service %s: all %d shown, but it says %q", sv.Prefix, len(all), more)
					}
					continue
				}
				if len(shown) == 0 {
					t.Errorf("service %s: no number shown of %d", sv.Prefix, len(all))
				}
				n := strconv.Itoa(len(all) - len(shown))
				if more != "jeszcze "+n && more != "+"+n {
					t.Errorf("service %s: %d of %d shown, got %q, want jeszcze %s", sv.Prefix, len(shown), len(all), more, n)
				}
			}
			if hidden > 0 {
				if got, want := text(f, "waiting.more"), "jeszcze "+strconv.Itoa(hidden); got != want {
					t.Errorf("services without room: got %q, want %q", got, want)
				}
			}
		})
	}
}

// TestOfflineMark checks the mark of a lost stream: not at once (a
// controller's restart would flash it), after OfflineAfter, and gone when
// the stream is back; the last state stays meanwhile.
func TestOfflineMark(t *testing.T) {
	r := newRig(display.Options{OfflineAfter: 3 * time.Second}, screentest.Hall(t0))
	mark := func() string { return text(r.frame(1920, 1080), "offline.text") }
	if got := mark(); got != "-" {
		t.Fatalf("online: got mark %q, want none", got)
	}
	lost := r.clock.Now()
	r.s.SetOnline(false)
	r.clock.Advance(2 * time.Second)
	if got := mark(); got != "-" {
		t.Errorf("2 s offline: got mark %q, want none yet", got)
	}
	if got := r.s.Next(); !got.Equal(lost.Add(3 * time.Second)) {
		t.Errorf("got the next frame at %s, want %s, when the mark is due", got, lost.Add(3*time.Second))
	}
	r.clock.Advance(time.Second)
	f := r.frame(1920, 1080)
	if got := text(f, "offline.text"); got != "Brak połączenia" {
		t.Errorf("3 s offline: got mark %q, want Brak połączenia", got)
	}
	if got := text(f, "newest.number"); got != "A029" {
		t.Errorf("offline: got newest %q, want the last state, A029", got)
	}
	r.s.SetOnline(true)
	if got := mark(); got != "-" {
		t.Errorf("back online: got mark %q, want none", got)
	}

	// Before the first snapshot: "connecting", no state, no mark.
	s := display.NewScene(display.Options{TZ: warsaw}, queuetest.NewClock(t0))
	f, _ = s.Frame(1920, 1080)
	if got := text(f, "connecting"); got != "Łączenie z systemem kolejkowym…" {
		t.Errorf("before the snapshot: got %q, want the connecting text", got)
	}
	if s.Apply(queue.Event{Seq: 1, Type: queue.TicketIssued, Number: "A001", Ticket: "x"}) {
		t.Error("an event before the first snapshot was applied")
	}
}

// TestDesk checks what a counter's screen says in each state.
func TestDesk(t *testing.T) {
	closedDay := screentest.Hall(t0)
	closedDay.Hours = "closed"
	late := screentest.Hall(t0)
	late.Hours = "08:00-09:00"
	for _, tc := range []struct {
		name    string
		counter int
		view    queue.View
		status  string
		number  string
	}{
		{"called", 1, screentest.Hall(t0), "Zapraszamy", "A029"},
		{"serving", 2, screentest.Hall(t0), "Obsługiwany numer", "B011"},
		{"on a break", 4, screentest.Hall(t0), "Przerwa", "-"},
		{"open, nobody called", 5, screentest.Hall(t0), "Proszę czekać na wezwanie", "-"},
		{"no such counter", 42, screentest.Hall(t0), "Brak stanowiska 42 w tym biurze", "-"},
		{"closed today", 4, closedDay, "Nieczynne", "-"},
		{"after hours", 4, late, "Nieczynne", "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(display.Options{Role: display.Desk, Counter: tc.counter}, tc.view)
			for _, size := range [][2]int{{1280, 720}, {720, 1280}} {
				f := r.frame(size[0], size[1])
				if got := text(f, "desk.status"); got != tc.status {
					t.Errorf("%v: got %q, want %q", size, got, tc.status)
				}
				if got := text(f, "desk.number"); got != tc.number {
					t.Errorf("%v: got number %q, want %q", size, got, tc.number)
				}
				if got := text(f, "desk.counter"); got != strconv.Itoa(tc.counter) {
					t.Errorf("%v: got counter %q, want %d", size, got, tc.counter)
				}
			}
		})
	}

	// The counter's clerk leaves: its screen says so.
	r := newRig(display.Options{Role: display.Desk, Counter: 5}, screentest.Hall(t0))
	r.event(queue.CounterClosed, "", 5)
	if got := text(r.frame(1280, 720), "desk.status"); got != "Przerwa" {
		t.Errorf("after counter_closed: got %q, want Przerwa", got)
	}
	r.event(queue.CounterOpened, "", 5)
	r.event(queue.Called, "B030", 5)
	if got := text(r.frame(1280, 720), "desk.number"); got != "B030" {
		t.Errorf("after counter_opened and a call: got %q, want B030", got)
	}
}

// TestFrameChanged checks that a frame is reported changed only when it
// is: the renderer draws nothing otherwise.
func TestFrameChanged(t *testing.T) {
	r := newRig(display.Options{Blink: -1}, screentest.Hall(t0))
	changed := func(w, h int) bool {
		_, c := r.s.Frame(w, h)
		return c
	}
	if !changed(1920, 1080) {
		t.Error("the first frame: got unchanged")
	}
	if changed(1920, 1080) {
		t.Error("the same scene again: got changed")
	}
	r.clock.Advance(10 * time.Second) // 09:41:30, the same minute
	if changed(1920, 1080) {
		t.Error("10 s later, nothing new: got changed")
	}
	r.clock.Advance(30 * time.Second) // 09:42
	if !changed(1920, 1080) {
		t.Error("the clock's minute passed: got unchanged")
	}
	if !changed(1280, 720) {
		t.Error("a new size: got unchanged")
	}
	r.event(queue.ClientCame, "A029", 1) // nothing a group screen shows
	if changed(1280, 720) {
		t.Error("client_came: got changed; a group screen shows nothing of it")
	}
	r.event(queue.TicketIssued, "B099", 0)
	if !changed(1280, 720) {
		t.Error("a ticket issued: got unchanged")
	}
	select {
	case <-r.s.Changed():
	default:
		t.Error("Changed was not signalled after the events")
	}
}

// TestClock checks the clock in the header: the location's time, the
// controller's when this machine's is wrong, none when it is unset.
func TestClock(t *testing.T) {
	r := newRig(display.Options{}, screentest.Hall(t0))
	f := r.frame(1920, 1080)
	if got := text(f, "clock") + " " + text(f, "date"); got != "09:41 wtorek, 24 listopada" {
		t.Errorf("got %q, want 09:41 wtorek, 24 listopada", got)
	}
	// A Pi before NTP: its clock at 1970, no skew known yet.
	pi := queuetest.NewClock(time.Unix(300, 0))
	s := display.NewScene(display.Options{TZ: warsaw}, pi)
	s.Snapshot(screentest.Hall(t0))
	f, _ = s.Frame(1920, 1080)
	if got := text(f, "clock"); got != "-" {
		t.Errorf("unset clock: got %q, want no clock", got)
	}
	s.SetSkew(t0.Sub(pi.Now()))
	f, _ = s.Frame(1920, 1080)
	if got := text(f, "clock"); got != "09:41" {
		t.Errorf("with the controller's skew: got %q, want 09:41", got)
	}
	en := newRig(display.Options{Language: "en"}, screentest.Hall(t0))
	f = en.frame(1920, 1080)
	if got := text(f, "date") + " / " + text(f, "newest.label") + " / " + text(f, "newest.counter"); got != "Tuesday, 24 November / Now calling / Counter 1" {
		t.Errorf("in English: got %q", got)
	}
	closed := screentest.Hall(t0)
	closed.Hours = "10:00-18:00"
	if got := text(newRig(display.Options{}, closed).frame(1920, 1080), "closed.text"); got != "Nieczynne" {
		t.Errorf("before opening: got %q, want Nieczynne in the header", got)
	}
}

// TestNoPersonalData feeds events that carry what a public event must not
// (a clerk's login, a booking reference, a token) and checks that none
// of it reaches the screen.
func TestNoPersonalData(t *testing.T) {
	for _, role := range []display.Role{display.Group, display.Desk} {
		r := newRig(display.Options{Role: role, Counter: 5}, screentest.Hall(t0))
		r.s.Apply(queue.Event{Seq: 401, Type: queue.CounterOpened, Counter: 5, Clerk: "Anna Nowak"})
		r.s.Apply(queue.Event{Seq: 402, Type: queue.BookingEntered, Ticket: "centrum/2026-11-24/A099", Number: "A099", Service: "A",
			Key: t0, Booking: "Jan Kowalski +48 600 100 200", Token: "secret-token"})
		r.s.Apply(queue.Event{Seq: 403, Type: queue.Called, Ticket: "centrum/2026-11-24/A099", Number: "A099", Service: "A",
			Counter: 5, Clerk: "Anna Nowak", Token: "secret-token", IdempotencyKey: "k"})
		for _, size := range [][2]int{{1920, 1080}, {1080, 1920}} {
			f := r.frame(size[0], size[1])
			all := strings.Join(f.Texts(), "|")
			for _, secret := range []string{"Anna", "Kowalski", "600", "secret", "Nowak"} {
				if strings.Contains(all, secret) {
					t.Errorf("%s %v: the screen shows %q: %s", role, size, secret, all)
				}
			}
			if !strings.Contains(all, "A099") {
				t.Errorf("%s %v: the call of A099 is not shown: %s", role, size, all)
			}
		}
	}
}

// TestContrast checks that every text is readable on what it stands on:
// a contrast ratio of at least 4.5 (WCAG AA), on every screen.
func TestContrast(t *testing.T) {
	for _, o := range []display.Options{{}, {Role: display.Desk, Counter: 1}, {Role: display.Desk, Counter: 4}, {Role: display.Desk, Counter: 2}} {
		r := newRig(o, screentest.Hall(t0))
		r.event(queue.Recalled, "A029", 1)
		for _, at := range []time.Duration{0, 600 * time.Millisecond} {
			r.clock.Set(t0.Add(at))
			f := r.frame(1920, 1080)
			for i, it := range f.Items {
				if it.Kind != display.Text {
					continue
				}
				ground := under(f.Items[:i], it)
				if c := contrast(it.Color, ground); c < 4.5 {
					t.Errorf("%s %d +%s: %q (%s) has contrast %.1f on its ground, want at least 4.5", o.Role, o.Counter, at, it.Text, it.Tag, c)
				}
			}
		}
	}
}

// under is the colour of the last rectangle before it that holds its
// anchor.
func under(items []display.Item, it display.Item) color.RGBA {
	for i := len(items) - 1; i >= 0; i-- {
		r := items[i]
		if r.Kind == display.Rect && it.X >= r.X && it.X <= r.X+r.W && it.Y >= r.Y && it.Y <= r.Y+r.H {
			return r.Color
		}
	}
	return color.RGBA{}
}

func contrast(a, b color.RGBA) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func luminance(c color.RGBA) float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}
