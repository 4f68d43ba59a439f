package booking

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/numerek/numerek/calendar"
	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/queue"
)

// Hold is step 3: the person chose service svc at loc at start. The time
// is kept for them on one free counter for Config.Hold while they finish;
// nobody else can take it. address is the person's IP address, for the
// limits.
func (b *Bookings) Hold(loc, svc string, start time.Time, address, lang string) (Booking, error) {
	now := b.opts.Clock.Now()
	o, err := b.offer(loc, svc)
	if err != nil {
		return Booking{}, err
	}
	if !b.holdsPerAddress.Allow(address, now) {
		return Booking{}, queue.Errorf(ERateLimited, "too many times were chosen from your address in the last hour: try again later")
	}
	start = start.In(o.loc.TZ)
	d := calendar.DateOf(start)
	id, err := b.newID()
	if err != nil {
		return Booking{}, err
	}

	b.mu.Lock()
	day := b.day(o, d, now)
	var slot *Slot
	for i := range day.Slots {
		if day.Slots[i].Start.Equal(start) {
			slot = &day.Slots[i]
		}
	}
	if slot == nil {
		b.mu.Unlock()
		if b.isSlotStart(o, start, now) {
			return Booking{}, queue.Errorf(queue.EConflict, "%s has just been taken: choose another time", start.Format("02.01.2006 15:04"))
		}
		return Booking{}, queue.Errorf(queue.EInvalid, "%s is not a time that can be booked", start.Format("02.01.2006 15:04"))
	}
	bk := &Booking{
		ID: id, Location: loc, Service: svc, Start: slot.Start.UTC(), End: slot.End.UTC(),
		Counter: b.freeCounters(o, d, slot.Start, slot.End, now)[0],
		Status:  Held, Created: now.UTC(), HoldUntil: now.Add(b.cfg.Hold).UTC(), Lang: lang,
	}
	b.index(bk)
	if err := b.commit(bk, nil, false); err != nil {
		b.mu.Lock()
		b.release(bk)
		delete(b.byID, bk.ID)
		b.mu.Unlock()
		return Booking{}, fmt.Errorf("booking: hold: %w", err)
	}
	return b.copyOf(bk), nil
}

// isSlotStart reports whether start would be a time of o if it were free.
func (b *Bookings) isSlotStart(o offer, start, now time.Time) bool {
	d := calendar.DateOf(start)
	if why, _ := b.closed(o.loc, d); why != "" {
		return false
	}
	h := o.loc.Hours[d.Weekday()]
	off := time.Duration(start.Hour())*time.Hour + time.Duration(start.Minute())*time.Minute
	return start.Second() == 0 && start.Nanosecond() == 0 && off >= h.Open && off+o.length <= h.Close &&
		(off-h.Open)%o.length == 0 && !start.Before(now.Add(b.cfg.Lead)) &&
		!start.After(now.Add(time.Duration(b.cfg.Days)*24*time.Hour))
}

// copyOf returns a copy of bk, taken under b.mu.
func (b *Bookings) copyOf(bk *Booking) Booking {
	b.mu.Lock()
	defer b.mu.Unlock()
	return *bk
}

// held finds booking id for a step after the hold: it must still be held.
// b.mu is held.
func (b *Bookings) held(id string, now time.Time) (*Booking, error) {
	bk, ok := b.byID[id]
	switch {
	case !ok:
		return nil, queue.Errorf(queue.ENotFound, "no such booking")
	case b.expire(bk, now):
		return nil, queue.Errorf(queue.EConflict, "the time you chose was kept for you for %d minutes and is free again: choose a time again", int(b.cfg.Hold/time.Minute))
	case bk.Status == Confirmed:
		return nil, queue.Errorf(queue.EConflict, "this booking is already confirmed")
	case bk.Status == Confirming:
		return nil, queue.Errorf(queue.EConflict, "this booking is being confirmed right now: reload the page in a moment")
	case bk.Status != Held:
		return nil, queue.Errorf(queue.EConflict, "this booking was cancelled")
	}
	return bk, nil
}

// Name limits: what a person types in step 4.
const maxNameLen = 100

// checkName cleans a name the person typed in field ("first", "last" or
// "company"): spaces trimmed, at most maxNameLen letters, no control
// characters.
func checkName(field, s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	long := utf8.RuneCountInString(s) > maxNameLen
	bad := strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
	switch {
	case long && field == "first":
		return "", queue.Errorf(queue.EInvalid, "the first name is longer than %d characters", maxNameLen)
	case long && field == "last":
		return "", queue.Errorf(queue.EInvalid, "the last name is longer than %d characters", maxNameLen)
	case long:
		return "", queue.Errorf(queue.EInvalid, "the company name is longer than %d characters", maxNameLen)
	case bad && field == "first":
		return "", queue.Errorf(queue.EInvalid, "the first name has characters that are not allowed")
	case bad && field == "last":
		return "", queue.Errorf(queue.EInvalid, "the last name has characters that are not allowed")
	case bad:
		return "", queue.Errorf(queue.EInvalid, "the company name has characters that are not allowed")
	}
	return s, nil
}

// ParseContact reads a mobile phone number (Polish without a country
// code) or an e-mail address, as a person types either in one field.
func ParseContact(s string) (notify.Contact, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return notify.Contact{}, queue.Errorf(queue.EInvalid, "enter a mobile phone number or an e-mail address")
	}
	if strings.Contains(s, "@") {
		c, err := notify.ParseEmail(s)
		if err != nil {
			return c, queue.Errorf(queue.EInvalid, "%q is not a valid e-mail address", s)
		}
		return c, nil
	}
	c, err := notify.ParsePhone(s, notify.DefaultRegion)
	switch {
	case errors.Is(err, notify.ErrPhoneNotMobile):
		return c, queue.Errorf(queue.EInvalid, "%q is not a mobile phone number: text messages need a mobile", s)
	case err != nil:
		return c, queue.Errorf(queue.EInvalid, "%q is not a valid phone number", s)
	}
	return c, nil
}

// PersonForm is step 4 as typed.
type PersonForm struct {
	First, Last, Company string
	Contact              string // a mobile phone number or an e-mail address
}

// FieldError is a mistake in one field of a form: the page shows it next to
// the field.
type FieldError struct {
	Field string // "first", "last", "company" or "contact"
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// SetPerson is step 4: who books, and where the code goes. It checks the
// limits and sends the first code. address is the person's IP address.
func (b *Bookings) SetPerson(id string, f PersonForm, address string) (Booking, error) {
	var p Person
	var err error
	if p.First, err = checkName("first", f.First); err != nil {
		return Booking{}, &FieldError{"first", err}
	}
	if p.Last, err = checkName("last", f.Last); err != nil {
		return Booking{}, &FieldError{"last", err}
	}
	if p.Company, err = checkName("company", f.Company); err != nil {
		return Booking{}, &FieldError{"company", err}
	}
	switch {
	case p.Company == "" && p.First == "" && p.Last == "":
		return Booking{}, &FieldError{"first", queue.Errorf(queue.EInvalid, "enter your first and last name, or a company name")}
	case p.Company == "" && p.First == "":
		return Booking{}, &FieldError{"first", queue.Errorf(queue.EInvalid, "enter your first name too")}
	case p.Company == "" && p.Last == "":
		return Booking{}, &FieldError{"last", queue.Errorf(queue.EInvalid, "enter your last name too")}
	}
	if p.Contact, err = ParseContact(f.Contact); err != nil {
		return Booking{}, &FieldError{"contact", err}
	}
	now := b.opts.Clock.Now()
	b.mu.Lock()
	bk, err := b.held(id, now)
	if err != nil {
		b.mu.Unlock()
		return Booking{}, err
	}
	if n := b.activeOf(p.Contact, now); n >= b.cfg.ActivePerContact {
		b.mu.Unlock()
		return Booking{}, &FieldError{"contact", queue.Errorf(ERateLimited, "this phone number or e-mail address already has %d booked visits to come: cancel one to book another", n)}
	}
	return b.sendCode(bk, p.Contact, &p, address, now)
}

// Resend sends booking id a new code (the old one stops working).
func (b *Bookings) Resend(id, address string) (Booking, error) {
	now := b.opts.Clock.Now()
	b.mu.Lock()
	bk, err := b.held(id, now)
	if err != nil {
		b.mu.Unlock()
		return Booking{}, err
	}
	p, ok := b.people[id]
	if !ok {
		b.mu.Unlock()
		return Booking{}, queue.Errorf(queue.EConflict, "fill in your name and contact first")
	}
	return b.sendCode(bk, p.Contact, nil, address, now)
}

// sendCode makes a new code for bk, stores it (with p as its new person
// when not nil) and hands it to be sent to c. It is called with b.mu held
// and lets it go.
func (b *Bookings) sendCode(bk *Booking, c notify.Contact, p *Person, address string, now time.Time) (Booking, error) {
	switch {
	case bk.Code.Sends >= b.cfg.CodeSends:
		b.mu.Unlock()
		return Booking{}, queue.Errorf(ERateLimited, "no more codes can be sent for this booking: choose a time again")
	case !b.codesPerAddress.Allow(address, now):
		b.mu.Unlock()
		return Booking{}, queue.Errorf(ERateLimited, "too many codes were asked for from your address in the last hour: try again later")
	case !b.codesPerContact.Allow(c.Kind.String()+":"+c.Value, now):
		b.mu.Unlock()
		return Booking{}, &FieldError{"contact", queue.Errorf(ERateLimited, "too many codes were sent to this phone number or e-mail address in the last hour: try again later")}
	case !b.codesInAll.Allow("", now):
		b.mu.Unlock()
		b.log.Warn("the hourly limit of codes was reached: no more codes are sent this hour", "limit", b.cfg.CodesPerHour)
		return Booking{}, queue.Errorf(ERateLimited, "the office is sending too many codes right now: try again in a few minutes")
	}
	code, err := b.newCode()
	if err != nil {
		b.mu.Unlock()
		return Booking{}, err
	}
	bk.Code = Code{
		Hash: codeHash(bk.ID, code), Sent: now.UTC(), Expires: now.Add(b.cfg.CodeTTL).UTC(),
		Sends: bk.Code.Sends + 1,
	}
	// The hold lasts at least as long as the code, within MaxHold.
	until := now.Add(b.cfg.CodeTTL)
	if limit := bk.Created.Add(b.cfg.MaxHold); until.After(limit) {
		until = limit
	}
	if until.After(bk.HoldUntil) {
		bk.HoldUntil = until.UTC()
	}
	if p != nil {
		b.people[bk.ID] = *p
	}
	msg := b.codeMessage(bk, c, code)
	if err := b.commit(bk, p, false); err != nil {
		return Booking{}, fmt.Errorf("booking: code: %w", err)
	}
	b.log.Info("code sent", "location", bk.Location, "to", c, "send", bk.Code.Sends)
	id, sent := bk.ID, bk.Code.Sent
	err = b.send(msg, func(err error) {
		if err != nil {
			b.codeFailed(id, sent)
		}
	})
	if err != nil {
		b.codeFailed(id, sent)
	}
	return b.copyOf(bk), nil
}

// codeFailed marks the code sent at sent to booking id as not sent, so
// that the page says so and offers another.
func (b *Bookings) codeFailed(id string, sent time.Time) {
	b.mu.Lock()
	bk, ok := b.byID[id]
	if !ok || !bk.Code.Sent.Equal(sent) {
		b.mu.Unlock()
		return
	}
	bk.Code.Failed = true
	bk.Code.Sends-- // a code that never arrived does not count
	if err := b.commit(bk, nil, false); err != nil {
		b.log.Error("store a failed code", "err", err)
	}
}

// activeOf counts the confirmed visits still to come of contact c. b.mu
// is held.
func (b *Bookings) activeOf(c notify.Contact, now time.Time) int {
	n := 0
	for id, p := range b.people {
		if bk := b.byID[id]; p.Contact == c && bk != nil && bk.Status == Confirmed && bk.Start.After(now) {
			n++
		}
	}
	return n
}

// Confirm is step 5: the person typed code. A right code books the visit:
// the engine gives it its ticket, and the confirmation is sent. Confirming
// a confirmed booking again returns it as it is.
func (b *Bookings) Confirm(ctx context.Context, id, code string) (Booking, error) {
	now := b.opts.Clock.Now()
	code = strings.Join(strings.Fields(code), "")
	b.mu.Lock()
	if bk, ok := b.byID[id]; ok && bk.Status == Confirmed {
		b.mu.Unlock()
		return b.copyOf(bk), nil
	}
	bk, err := b.held(id, now)
	switch {
	case err != nil:
		b.mu.Unlock()
		return Booking{}, err
	case bk.Code.Hash == "":
		b.mu.Unlock()
		return Booking{}, queue.Errorf(queue.EConflict, "no code was sent yet: fill in your name and contact first")
	case bk.Code.Tries >= b.cfg.CodeTries:
		b.mu.Unlock()
		return Booking{}, queue.Errorf(ERateLimited, "the code was typed wrong %d times: ask for a new code", b.cfg.CodeTries)
	case !now.Before(bk.Code.Expires):
		b.mu.Unlock()
		return Booking{}, queue.Errorf(queue.EConflict, "the code has expired: ask for a new code")
	case len(code) != 6 || strings.Trim(code, "0123456789") != "":
		b.mu.Unlock()
		return Booking{}, queue.Errorf(queue.EInvalid, "the code has 6 digits")
	}
	if subtle.ConstantTimeCompare([]byte(codeHash(id, code)), []byte(bk.Code.Hash)) != 1 {
		bk.Code.Tries++
		left := b.cfg.CodeTries - bk.Code.Tries
		if err := b.commit(bk, nil, false); err != nil {
			return Booking{}, fmt.Errorf("booking: confirm: %w", err)
		}
		if left == 0 {
			return Booking{}, queue.Errorf(ERateLimited, "the code was typed wrong %d times: ask for a new code", b.cfg.CodeTries)
		}
		return Booking{}, queue.Errorf(queue.EInvalid, "the code is not right: %d tries left", left)
	}
	bk.Status = Confirming
	if err := b.commit(bk, nil, false); err != nil {
		b.mu.Lock()
		bk.Status = Held
		b.mu.Unlock()
		return Booking{}, fmt.Errorf("booking: confirm: %w", err)
	}
	t, err := b.engine.Book(ctx, queue.BookRequest{Location: bk.Location, Service: bk.Service, At: bk.Start, Booking: id})
	b.mu.Lock()
	if err != nil {
		bk.Status = Held
		if serr := b.commit(bk, nil, false); serr != nil {
			b.log.Error("store a booking held again", "err", serr)
		}
		return Booking{}, err
	}
	bk.Status, bk.Ticket, bk.Number, bk.Token = Confirmed, t.ID, t.Number, t.Token
	b.byTicket[t.ID] = id
	p := b.people[id]
	if err := b.commit(bk, nil, false); err != nil {
		// The engine has the ticket: load finds it after a restart.
		b.log.Error("store a confirmed booking", "err", err)
	}
	b.log.Info("visit booked", "location", bk.Location, "service", bk.Service, "number", t.Number, "at", bk.Start)
	c := b.copyOf(bk)
	if err := b.send(b.confirmation(c, p), nil); err != nil {
		b.log.Error("send the confirmation", "to", p.Contact, "err", err)
	}
	return c, nil
}

// codeMessage is the code's text message or e-mail.
func (b *Bookings) codeMessage(bk *Booking, c notify.Contact, code string) notify.Message {
	t := texts(bk.Lang)
	m := notify.Message{To: c, Subject: t["code.subject"]}
	m.Text = fill(t["code.text"], "{code}", code, "{minutes}", fmt.Sprint(int(b.cfg.CodeTTL/time.Minute)))
	return m
}

// confirmation is the message that confirms bk to p: the date, the time,
// the office, the ticket number and the link to the e-ticket, where the
// visit can be cancelled. An e-mail carries an .ics file too.
func (b *Bookings) confirmation(bk Booking, p Person) notify.Message {
	t := texts(bk.Lang)
	br := b.engine.Branch()
	l, _ := br.Location(bk.Location)
	s, _ := br.Service(bk.Service)
	start := bk.Start.In(l.TZ)
	name := s.Name(bk.Lang)
	link := b.opts.PublicURL + "/t/" + bk.Token
	vals := []string{
		"{date}", start.Format("02.01.2006"), "{time}", start.Format("15:04"), "{number}", bk.Number,
		"{office}", l.Name, "{address}", l.Address, "{service}", name, "{link}", link,
		"{cancel}", link + "?leave",
	}
	m := notify.Message{To: p.Contact, Subject: fill(t["confirm.subject"], vals...)}
	if p.Contact.Kind == notify.Phone {
		m.Text = fill(t["confirm.sms"], vals...)
		return m
	}
	m.Text = fill(t["confirm.email"], vals...)
	ev := calendar.Event{
		UID: bk.ID + "@numerek", Start: bk.Start, End: bk.End, Created: bk.Created,
		Summary:     fill(t["confirm.ics.summary"], vals...),
		Location:    strings.TrimSuffix(l.Name+", "+l.Address, ", "),
		Description: fill(t["confirm.ics.description"], vals...),
		URL:         link,
	}
	if ics, err := ev.ICS(); err == nil {
		m.Attachments = []notify.Attachment{{Name: "wizyta.ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics}}
	} else {
		b.log.Error("calendar file", "err", err)
	}
	return m
}

// fill replaces each placeholder of pairs (placeholder, value, …) in s.
func fill(s string, pairs ...string) string {
	return strings.NewReplacer(pairs...).Replace(s)
}
