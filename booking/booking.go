package booking

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/numerek/numerek/calendar"
	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/ratelimit"
	"github.com/numerek/numerek/store"
)

// ERateLimited is the error code of a limit hit: too many codes or holds.
// The controller answers it with 429.
const ERateLimited = "rate_limited"

// Status is where a booking is in its life.
type Status string

// The statuses of a booking.
const (
	Held       Status = "held"       // a time is kept for the person to finish the steps
	Confirming Status = "confirming" // the code was right; the ticket is being made
	Confirmed  Status = "confirmed"  // the visit is booked and has its ticket
	Cancelled  Status = "cancelled"  // the visit was cancelled: its place is free
	Expired    Status = "expired"    // the person did not finish in time
)

// Booking is one booking, from the time chosen to the visit. It holds no
// personal data: that is a Person, kept apart.
type Booking struct {
	ID        string    `json:"id"` // 128 random bits: the flow's pages are reached by it
	Location  string    `json:"location"`
	Service   string    `json:"service"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Counter   int       `json:"counter"` // the counter whose time the visit takes
	Status    Status    `json:"status"`
	Created   time.Time `json:"created"`
	HoldUntil time.Time `json:"hold_until"`
	Lang      string    `json:"lang"` // of the messages: "pl" or "en"

	Code Code `json:"code"`

	Ticket string `json:"ticket,omitempty"`
	Number string `json:"number,omitempty"` // the ticket number, "R001"
	Token  string `json:"token,omitempty"`  // the e-ticket's: its page is where the visit is cancelled
}

// Code is the state of the confirmation code a booking was sent.
type Code struct {
	Hash    string    `json:"hash,omitempty"` // SHA-256 of the booking id and the code
	Sent    time.Time `json:"sent,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
	Tries   int       `json:"tries,omitempty"`  // wrong codes typed
	Sends   int       `json:"sends,omitempty"`  // codes sent to this booking
	Failed  bool      `json:"failed,omitempty"` // the last one could not be sent
}

// Person is who books: a name or a company, and where the code and the
// confirmation go. It is personal data.
type Person struct {
	First   string         `json:"first,omitempty"`
	Last    string         `json:"last,omitempty"`
	Company string         `json:"company,omitempty"`
	Contact notify.Contact `json:"contact"`
}

// Engine is what booking needs of the queue engine.
type Engine interface {
	Branch() *queue.Branch
	Book(ctx context.Context, r queue.BookRequest) (queue.Ticket, error)
	TicketByBooking(loc, ref string) (queue.Ticket, bool)
}

// Store keeps the bookings and their people (store.DB does).
type Store interface {
	PutBooking(w store.BookingWrite) error
	Bookings(fn func(id string, record, personal []byte) error) error
	PurgeBookings(now time.Time) (int, error)
}

// Send hands a message to be sent outside the request; done is called with
// the outcome. notify.Dispatcher.Enqueue is one.
type Send func(m notify.Message, done func(error)) error

// Options are the booking's collaborators.
type Options struct {
	Clock     queue.Clock
	Rand      io.Reader // booking ids and codes; crypto/rand when nil
	Logger    *slog.Logger
	PublicURL string // base of the links in messages, no trailing slash
}

// Bookings is the online booking of a branch. It is safe for concurrent
// use.
type Bookings struct {
	cfg    Config
	engine Engine
	store  Store
	send   Send
	opts   Options
	log    *slog.Logger

	holdsPerAddress *ratelimit.Window
	codesPerAddress *ratelimit.Window
	codesPerContact *ratelimit.Window
	codesInAll      *ratelimit.Window

	// mu guards the maps and the bookings in them. wmu orders the writes
	// to the store: it is taken before mu is let go (see commit), so that
	// the store gets a booking's states in the order they happened.
	mu       sync.Mutex
	wmu      sync.Mutex
	byID     map[string]*Booking
	byTicket map[string]string          // ticket id → booking id
	people   map[string]Person          // booking id → person, while the booking needs it
	taken    map[takenKey][]*Booking    // the bookings that take a counter's time on a day
	offered  map[string]map[string]bool // location → service prefixes that can be booked there
	ended    map[string]bool            // holds that ran out, not stored as such yet (Sweep does)
}

// takenKey is one counter on one day.
type takenKey struct {
	loc     string
	counter int
	day     calendar.Date
}

// Open loads the stored bookings and returns the booking of the engine's
// branch. A booking whose ticket was being made when the controller
// stopped is finished (the engine has its ticket) or held again.
func Open(cfg Config, e Engine, st Store, send Send, o Options) (*Bookings, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("booking: %w", err)
	}
	if o.Clock == nil {
		o.Clock = queue.SystemClock{}
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	b := &Bookings{
		cfg: cfg, engine: e, store: st, send: send, opts: o, log: o.Logger.With("component", "booking"),
		holdsPerAddress: ratelimit.New(cfg.HoldsPerAddress, time.Hour),
		codesPerAddress: ratelimit.New(cfg.CodesPerAddress, time.Hour),
		codesPerContact: ratelimit.New(cfg.CodesPerContact, time.Hour),
		codesInAll:      ratelimit.New(cfg.CodesPerHour, time.Hour),
		byID:            map[string]*Booking{},
		byTicket:        map[string]string{},
		people:          map[string]Person{},
		taken:           map[takenKey][]*Booking{},
		offered:         map[string]map[string]bool{},
		ended:           map[string]bool{},
	}
	br := e.Branch()
	for _, c := range br.Counters {
		if !c.Takes(queue.Booked) {
			continue
		}
		for _, p := range c.Services {
			if s, ok := br.Service(p); ok && s.Bookable {
				if b.offered[c.Location] == nil {
					b.offered[c.Location] = map[string]bool{}
				}
				b.offered[c.Location][p] = true
			}
		}
	}
	if err := b.load(); err != nil {
		return nil, fmt.Errorf("booking: load: %w", err)
	}
	return b, nil
}

// load reads the stored bookings into memory.
func (b *Bookings) load() error {
	var unfinished []*Booking
	err := b.store.Bookings(func(id string, record, personal []byte) error {
		bk := &Booking{}
		if err := json.Unmarshal(record, bk); err != nil {
			return fmt.Errorf("booking %s: %w", id, err)
		}
		if personal != nil {
			var p Person
			if err := json.Unmarshal(personal, &p); err != nil {
				return fmt.Errorf("booking %s: person: %w", id, err)
			}
			b.people[id] = p
		}
		if bk.Status == Confirming {
			unfinished = append(unfinished, bk)
		}
		b.index(bk)
		return nil
	})
	if err != nil {
		return err
	}
	for _, bk := range unfinished {
		if t, ok := b.engine.TicketByBooking(bk.Location, bk.ID); ok {
			bk.Status, bk.Ticket, bk.Number = Confirmed, t.ID, t.Number
			b.byTicket[t.ID] = bk.ID
		} else {
			bk.Status = Held // the code was right: typing it again confirms
		}
		if err := b.save(bk, nil, false); err != nil {
			return err
		}
	}
	return nil
}

// index puts bk in the maps: by id, by ticket, and in its counter's time
// while it is held or booked.
func (b *Bookings) index(bk *Booking) {
	b.byID[bk.ID] = bk
	if bk.Ticket != "" {
		b.byTicket[bk.Ticket] = bk.ID
	}
	switch bk.Status {
	case Held, Confirming, Confirmed:
		k := b.takenKey(bk)
		b.taken[k] = append(b.taken[k], bk)
	}
}

// release frees bk's counter time.
func (b *Bookings) release(bk *Booking) {
	k := b.takenKey(bk)
	list := b.taken[k]
	for i, x := range list {
		if x == bk {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(b.taken, k)
	} else {
		b.taken[k] = list
	}
}

func (b *Bookings) takenKey(bk *Booking) takenKey {
	d, _ := b.visitDate(bk)
	return takenKey{bk.Location, bk.Counter, d}
}

// visitDate is the date of bk's visit in its location's time zone, and
// that zone (UTC for a location no longer configured).
func (b *Bookings) visitDate(bk *Booking) (calendar.Date, *time.Location) {
	tz := time.UTC
	if l, ok := b.engine.Branch().Location(bk.Location); ok {
		tz = l.TZ
	}
	return calendar.DateOf(bk.Start.In(tz)), tz
}

// purgeAfter is when bk and its person are deleted: at the end of the
// visit's day plus PersonalDataDays, or a day after a hold that came to
// nothing.
func (b *Bookings) purgeAfter(bk *Booking) time.Time {
	if bk.Status == Expired {
		return bk.HoldUntil.Add(24 * time.Hour)
	}
	d, tz := b.visitDate(bk)
	return d.AddDays(1 + b.cfg.PersonalDataDays).In(tz)
}

// save writes bk, with p as its person when p is not nil, or forgetting
// its person when forget is set.
func (b *Bookings) save(bk *Booking, p *Person, forget bool) error {
	rec, err := json.Marshal(bk)
	if err != nil {
		return err
	}
	w := store.BookingWrite{ID: bk.ID, Record: rec, Forget: forget, PurgeAfter: b.purgeAfter(bk)}
	if p != nil {
		if w.Personal, err = json.Marshal(p); err != nil {
			return err
		}
	}
	return b.store.PutBooking(w)
}

// commit stores bk as it is now, with p or forgetting its person like
// save. It is called with b.mu held and lets it go: the write happens
// outside mu, but in order (wmu).
func (b *Bookings) commit(bk *Booking, p *Person, forget bool) error {
	c := *bk
	b.wmu.Lock()
	b.mu.Unlock()
	defer b.wmu.Unlock()
	return b.save(&c, p, forget)
}

// newID returns 128 random bits, URL-safe.
func (b *Bookings) newID() (string, error) {
	buf := make([]byte, 16)
	if _, err := io.ReadFull(b.opts.Rand, buf); err != nil {
		return "", fmt.Errorf("booking id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// ValidID reports whether s can be a booking id; anything else is not
// looked up at all.
func ValidID(s string) bool {
	if len(s) != 22 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// newCode returns six random digits, uniformly.
func (b *Bookings) newCode() (string, error) {
	var buf [8]byte
	for {
		if _, err := io.ReadFull(b.opts.Rand, buf[:]); err != nil {
			return "", fmt.Errorf("code: %w", err)
		}
		// Reject the top of the range so every code is equally likely.
		v := binary.BigEndian.Uint64(buf[:])
		if v < ^uint64(0)-^uint64(0)%1000000 {
			return fmt.Sprintf("%06d", v%1000000), nil
		}
	}
}

func codeHash(id, code string) string {
	h := sha256.Sum256([]byte(id + ":" + code))
	return hex.EncodeToString(h[:])
}

// Get returns a copy of booking id, and whether there is one.
func (b *Bookings) Get(id string) (Booking, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, ok := b.byID[id]
	if !ok {
		return Booking{}, false
	}
	b.expire(bk, b.opts.Clock.Now())
	return *bk, true
}

// Each calls fn with a copy of every booking kept in memory, in no order.
// fn must not call back into b.
func (b *Bookings) Each(fn func(Booking)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, bk := range b.byID {
		fn(*bk)
	}
}

// Person returns the person of booking id, while the booking keeps it.
func (b *Bookings) Person(id string) (Person, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.people[id]
	return p, ok
}

// expire ends bk's hold when its time is up (in memory; Sweep stores it).
// It reports whether bk is expired.
func (b *Bookings) expire(bk *Booking, now time.Time) bool {
	if bk.Status == Held && !now.Before(bk.HoldUntil) {
		bk.Status = Expired
		b.release(bk)
		delete(b.people, bk.ID)
		b.ended[bk.ID] = true
		return true
	}
	return bk.Status == Expired
}

// Sweep stores the holds that ran out by now and forgets their people,
// then purges the bookings and people past their purge time. The
// controller's housekeeping calls it.
func (b *Bookings) Sweep(now time.Time) error {
	b.mu.Lock()
	for _, bk := range b.byID {
		b.expire(bk, now)
	}
	var ended []Booking
	for id := range b.ended {
		if bk, ok := b.byID[id]; ok {
			ended = append(ended, *bk)
		}
		delete(b.ended, id)
	}
	for _, bk := range b.byID {
		if !now.Before(b.purgeAfter(bk)) {
			b.release(bk)
			delete(b.byID, bk.ID)
			delete(b.byTicket, bk.Ticket)
			delete(b.people, bk.ID)
		}
	}
	b.wmu.Lock()
	b.mu.Unlock()
	defer b.wmu.Unlock()
	for i := range ended {
		if err := b.save(&ended[i], nil, true); err != nil {
			return fmt.Errorf("booking: sweep: %w", err)
		}
	}
	if _, err := b.store.PurgeBookings(now); err != nil {
		return fmt.Errorf("booking: sweep: %w", err)
	}
	return nil
}

// TicketCancelled frees the place of the booking whose ticket was
// cancelled (from its e-ticket, or by a clerk) and forgets its person.
func (b *Bookings) TicketCancelled(ticket string) error {
	b.mu.Lock()
	bk := b.byID[b.byTicket[ticket]]
	if bk == nil || bk.Status != Confirmed {
		b.mu.Unlock()
		return nil
	}
	bk.Status = Cancelled
	b.release(bk)
	delete(b.people, bk.ID)
	b.log.Info("booking cancelled", "location", bk.Location, "number", bk.Number)
	if err := b.commit(bk, nil, true); err != nil {
		return fmt.Errorf("booking: cancel: %w", err)
	}
	return nil
}
