package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Clock tells the time; queue.SystemClock and queuetest.Clock are Clocks.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Outbox is a Sender for development: it sends nothing and keeps the last
// messages in memory for a page on localhost to show, in full. Its
// methods are safe for concurrent use.
type Outbox struct {
	mu    sync.Mutex
	kept  []Sent // a ring of up to max, next is where the next one goes
	next  int
	max   int
	clock Clock
	log   *slog.Logger
}

// Sent is a message the Outbox kept.
type Sent struct {
	Time        time.Time
	To          Contact
	Subject     string
	Text        string
	Attachments []string // the attachments' names
}

// NewOutbox returns an outbox that keeps the last max messages (100 when
// max < 1), timed by clock (the system clock when nil), and logs each,
// masked, to log (when not nil).
func NewOutbox(max int, clock Clock, log *slog.Logger) *Outbox {
	if max < 1 {
		max = 100
	}
	if clock == nil {
		clock = systemClock{}
	}
	return &Outbox{max: max, clock: clock, log: log}
}

// Send keeps m.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	s := Sent{Time: o.clock.Now(), To: m.To, Subject: m.Subject, Text: m.Text}
	for _, a := range m.Attachments {
		s.Attachments = append(s.Attachments, a.Name)
	}
	o.mu.Lock()
	if len(o.kept) < o.max {
		o.kept = append(o.kept, s)
	} else {
		o.kept[o.next] = s
	}
	o.next = (o.next + 1) % o.max
	o.mu.Unlock()
	if o.log != nil {
		o.log.Info("message kept in the outbox, not sent", "to", m.To, "kind", m.To.Kind.String())
	}
	return nil
}

// Messages returns the kept messages, newest first.
func (o *Outbox) Messages() []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Sent, 0, len(o.kept))
	for i := 1; i <= len(o.kept); i++ {
		out = append(out, o.kept[(o.next-i+len(o.kept))%len(o.kept)])
	}
	return out
}

// Last returns the newest message to the number or address to (the
// Contact's Value).
func (o *Outbox) Last(to string) (Sent, bool) {
	for _, s := range o.Messages() {
		if s.To.Value == to {
			return s, true
		}
	}
	return Sent{}, false
}
