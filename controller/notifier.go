package controller

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/ratelimit"
)

// The e-ticket's advance notifications. A holder leaves a mobile number or
// an e-mail address and picks when to be told: a number of people ahead or
// minutes before the estimated call, and (or) when called. The notifier
// watches the queues and sends each message once, outside the request path.
//
// Abuse. The page cannot be used to send messages to strangers in bulk: a
// ticket has one contact and at most two messages; a contact may be set on
// a ticket a few times only, on a few tickets a day, and from one address a
// few times an hour; and a ticket takes a press of a dispenser's button.
// The numbers are below.

// Limits of the notifications.
const (
	notifyChangesPerTicket = 3  // times a ticket's contact may be set
	notifyTicketsPerDay    = 3  // tickets one contact may be set on in a day
	notifyPerAddress       = 10 // contacts set from one IP address in an hour
	notifyCheckEvery       = 15 * time.Second
	subscriptionPrefix     = "eticket/" // store reference: subscriptionPrefix + ticket id
)

// notifyChoices are the "when" a holder can pick, in the page's order:
// "ahead:N" people ahead, or "min:N" minutes before the estimated call.
var notifyChoices = []string{"ahead:3", "ahead:5", "ahead:10", "min:10", "min:20", "min:30", "min:60"}

const notifyDefault = "ahead:5"

// subscription is one ticket's notification request. It is personal data:
// kept in the store's personal bucket and purged with the ticket.
type subscription struct {
	Ticket   string         `json:"ticket"`
	Number   string         `json:"number"` // for the logs
	Location string         `json:"location"`
	Token    string         `json:"token"` // for the link in the message
	Contact  notify.Contact `json:"contact"`
	Lang     string         `json:"lang"`
	When     string         `json:"when"`   // one of notifyChoices
	Called   bool           `json:"called"` // also when the number is called
	Changes  int            `json:"changes"`

	Soon     time.Time `json:"soon,omitzero"`      // the "time to come back" message went
	CalledAt time.Time `json:"called_at,omitzero"` // the "you are called" message went
	Failed   string    `json:"failed,omitempty"`   // the last failure, shown on the page

	purgeAfter time.Time // when the store deletes it: with the ticket
}

// due reports whether the holder of a waiting ticket should now be told to
// come back.
func (s *subscription) due(ts queue.TicketStatus) bool {
	kind, n, _ := parseWhen(s.When)
	switch kind {
	case "ahead":
		return ts.Ahead <= n
	case "min":
		return ts.Estimate.Expected <= time.Duration(n)*time.Minute
	}
	return false
}

// parseWhen splits "ahead:5" or "min:20"; ok is false for anything that is
// not one of notifyChoices.
func parseWhen(w string) (kind string, n int, ok bool) {
	found := false
	for _, c := range notifyChoices {
		found = found || c == w
	}
	if !found {
		return "", 0, false
	}
	kind, num, _ := strings.Cut(w, ":")
	n, err := strconv.Atoi(num)
	return kind, n, err == nil
}

// notifier holds the subscriptions and sends their messages.
type notifier struct {
	c    *Controller
	log  *slog.Logger
	send func(notify.Message, func(error)) error

	mu         sync.Mutex
	subs       map[string]*subscription // by ticket id
	changes    map[string]int           // by ticket id: contacts set, also those turned off since
	perAddress *ratelimit.Window
	perContact *ratelimit.Window

	wake chan struct{}
}

func newNotifier(c *Controller, send func(notify.Message, func(error)) error) *notifier {
	return &notifier{
		c: c, log: c.log.With("component", "notifier"), send: send,
		subs:       map[string]*subscription{},
		changes:    map[string]int{},
		perAddress: ratelimit.New(notifyPerAddress, time.Hour),
		perContact: ratelimit.New(notifyTicketsPerDay, 24*time.Hour),
		wake:       make(chan struct{}, 1),
	}
}

// load reads the subscriptions kept in the store.
func (n *notifier) load() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.c.db.PersonalPrefix(subscriptionPrefix, func(ref string, data []byte, purgeAfter time.Time) error {
		var s subscription
		if err := json.Unmarshal(data, &s); err != nil {
			n.log.Error("unreadable subscription, dropped", "ref", ref, "err", err)
			return n.c.db.DeletePersonal(ref)
		}
		s.purgeAfter = purgeAfter
		n.subs[s.Ticket] = &s
		n.changes[s.Ticket] = s.Changes
		return nil
	})
}

// poke asks the notifier to look at the queues soon; it never blocks.
func (n *notifier) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// run checks the subscriptions after every change and every
// notifyCheckEvery (estimates move with time), until ctx ends.
func (n *notifier) run(ctx context.Context) {
	t := time.NewTicker(notifyCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-t.C:
		}
		n.check()
	}
}

// subscription returns a copy of ticket's subscription.
func (n *notifier) subscription(ticket string) (subscription, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, ok := n.subs[ticket]
	if !ok {
		return subscription{}, false
	}
	return *s, true
}

// subscribe sets the contact of ts's ticket. contact is what the holder
// typed, a mobile number or an e-mail address. The error is a queue.Error
// fit to show: EInvalid for what was typed, ERateLimited for the limits.
func (n *notifier) subscribe(ts queue.TicketStatus, token, contact, when string, called bool, lang, addr string) error {
	t := ts.Ticket
	if t.Status != queue.StatusWaiting && t.Status != queue.StatusBooked {
		return queue.Errorf(queue.EConflict, "%s is %s: notifications are for tickets still waiting", t.Number, t.Status)
	}
	if _, _, ok := parseWhen(when); !ok {
		return queue.Errorf(queue.EInvalid, "choose when to be notified")
	}
	to, err := booking.ParseContact(contact)
	if err != nil {
		return err
	}
	now := n.c.clock.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	old := n.subs[t.ID]
	s := subscription{Ticket: t.ID, Number: t.Number, Location: t.Location, Token: token, Contact: to,
		Lang: pageLang(lang), When: when, Called: called, purgeAfter: n.c.purgeAfter(t)}
	changed := old == nil || old.Contact != to
	if old != nil {
		s.Soon, s.CalledAt = old.Soon, old.CalledAt
	}
	if changed {
		// Turning notifications off and on again counts too.
		if n.changes[t.ID] >= notifyChangesPerTicket {
			return queue.Errorf(ERateLimited, "the contact of this ticket was changed too many times")
		}
		if !n.perAddress.Allow(addr, now) {
			return queue.Errorf(ERateLimited, "too many notifications were set from this address; try again in an hour")
		}
		if !n.perContact.Allow(to.Kind.String()+":"+to.Value, now) {
			return queue.Errorf(ERateLimited, "this phone number or address already has notifications for %d tickets today", notifyTicketsPerDay)
		}
	}
	if changed {
		n.changes[t.ID]++
	}
	s.Changes = n.changes[t.ID]
	if err := n.save(&s); err != nil {
		return err
	}
	n.subs[t.ID] = &s
	n.log.Info("notification set", "location", t.Location, "number", t.Number, "to", to, "when", when)
	n.poke()
	return nil
}

// unsubscribe forgets ticket's contact at once.
func (n *notifier) unsubscribe(ticket string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.c.db.DeletePersonal(subscriptionPrefix + ticket); err != nil {
		return err
	}
	delete(n.subs, ticket)
	return nil
}

// save stores s. n.mu is held.
func (n *notifier) save(s *subscription) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return n.c.db.PutPersonal(subscriptionPrefix+s.Ticket, data, s.purgeAfter)
}

// check sends what is due. A message is marked sent in the store before it
// is handed to the dispatcher, so that a restart or a reconnect never sends
// it twice; a send that fails for good is noted for the page.
func (n *notifier) check() {
	n.mu.Lock()
	defer n.mu.Unlock()
	ids := make([]string, 0, len(n.subs))
	for id := range n.subs {
		ids = append(ids, id)
	}
	sort.Strings(ids) // a stable order: the logs and the tests read better
	now := n.c.clock.Now()
	for _, id := range ids {
		s := n.subs[id]
		ts, ok := n.c.engine.TicketByToken(s.Token)
		if !ok || ts.Ticket.Status == queue.StatusDone || ts.Ticket.Status == queue.StatusCancelled {
			// Served, left, or gone with the day: the contact is not needed.
			if err := n.c.db.DeletePersonal(subscriptionPrefix + id); err != nil {
				n.log.Error("delete subscription", "err", err)
				continue
			}
			delete(n.subs, id)
			continue
		}
		var kind string
		switch t := ts.Ticket; {
		case t.Status == queue.StatusCalled && s.Called && s.CalledAt.IsZero():
			kind, s.CalledAt = "called", now
			if s.Soon.IsZero() {
				s.Soon = now // too late for "come back": the call says it all
			}
		case t.Status == queue.StatusCalled || t.Status == queue.StatusServing:
			if s.Soon.IsZero() {
				s.Soon = now
				kind = "-" // nothing to send, but remember
			}
		case t.Status == queue.StatusWaiting && s.Soon.IsZero() && s.due(ts):
			kind, s.Soon = "soon", now
		}
		if kind == "" {
			continue
		}
		if err := n.save(s); err != nil {
			n.log.Error("save subscription", "err", err)
			continue
		}
		if kind == "-" {
			continue
		}
		m := n.message(kind, s, ts)
		ticket := id
		err := n.send(m, func(err error) {
			if err != nil {
				n.failed(ticket, err)
			}
		})
		if err != nil {
			n.markFailed(s, err)
		}
		n.log.Info("notification queued", "location", s.Location, "number", ts.Ticket.Number, "kind", kind, "to", s.Contact)
	}
}

// failed notes on ticket's subscription that its message could not be sent.
func (n *notifier) failed(ticket string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s := n.subs[ticket]; s != nil {
		n.markFailed(s, err)
	}
}

// markFailed notes the failure on s; n.mu is held.
func (n *notifier) markFailed(s *subscription, err error) {
	n.log.Warn("notification not sent", "location", s.Location, "number", s.Number, "to", s.Contact, "err", err)
	s.Failed = n.c.clock.Now().UTC().Format(time.RFC3339)
	if err := n.save(s); err != nil {
		n.log.Error("save subscription", "err", err)
	}
}

// message writes the message of kind ("soon" or "called") for s.
func (n *notifier) message(kind string, s *subscription, ts queue.TicketStatus) notify.Message {
	text := pageTexts[pageLang(s.Lang)]
	t := ts.Ticket
	loc := ""
	if l, ok := n.c.location(t.Location); ok {
		loc = l.Name
	}
	r := strings.NewReplacer(
		"{number}", t.Number, "{counter}", strconv.Itoa(t.Counter), "{location}", loc,
		"{n}", strconv.Itoa(ts.Ahead), "{time}", waitRange(text, ts.Estimate),
		"{url}", n.c.ETicketURL(s.Token),
	)
	return notify.Message{
		To:      s.Contact,
		Subject: r.Replace(text["nt."+kind+".subject"]),
		Text:    r.Replace(text["nt."+kind+".text"]),
	}
}

// purgeAfter is when the personal data kept for ticket t goes: the
// midnight that ends its day, in its office's time, when the ticket goes.
func (c *Controller) purgeAfter(t queue.Ticket) time.Time {
	day, err := time.ParseInLocation("2006-01-02", t.Day, c.tz(t.Location))
	if err != nil {
		return c.clock.Now().Add(24 * time.Hour)
	}
	return day.AddDate(0, 0, 1)
}

// whenText says a choice of notifyChoices in words: "gdy przed Tobą
// zostanie 5 osób".
func whenText(text map[string]string, when string) string {
	kind, n, ok := parseWhen(when)
	if !ok {
		return ""
	}
	return strings.Replace(text["nt.when."+kind], "{n}", strconv.Itoa(n), 1)
}
