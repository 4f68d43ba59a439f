package controller

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/numerek/numerek/queue"
)

// The e-ticket: the page the QR code on every ticket opens, /t/<token>. The
// token (128 random bits) is the only key; the ticket number never is. The
// page is rendered on the server, complete, so that it works without
// JavaScript (it then refreshes itself every eticketRefresh); with
// JavaScript it follows /t/<token>/events, where every message is the whole
// status again, already in words, so the script only puts texts in place.

// eticketRefresh is how often the page reloads itself without JavaScript.
const eticketRefresh = 30 * time.Second

// eticketView is what an e-ticket shows, in the page's language. It is
// also the JSON of the page's stream. It holds no personal data.
type eticketView struct {
	Number   string `json:"number"`
	Service  string `json:"service"`
	Location string `json:"location"`
	State    string `json:"state"`    // the ticket's status: the page's style and the script's cue
	Headline string `json:"headline"` // "Podejdź do stanowiska 5"
	Detail   string `json:"detail"`   // what to do now
	Ahead    string `json:"ahead"`    // "Osób przed Tobą: 3", or empty
	Estimate string `json:"estimate"` // "Szacowany czas do wywołania: 10–15 min", or empty
	Booked   string `json:"booked"`   // the booked time of a booked visit, or empty
	Counter  int    `json:"counter,omitempty"`
	Calls    int    `json:"calls,omitempty"`  // a new call (or recall) changes it: the script rings
	CanLeave bool   `json:"can_leave"`        // the ticket can still leave the queue
	Cancel   bool   `json:"cancel,omitempty"` // leaving is cancelling a booked visit

	AsOf time.Time `json:"as_of"` // when the office said so
}

// validToken reports whether s can be an e-ticket token: 16 bytes in
// unpadded base64url. Anything else is not looked up at all.
func validToken(s string) bool {
	if len(s) != 22 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// eticket finds the ticket of the request's {token}.
func (c *Controller) eticket(r *http.Request) (queue.TicketStatus, bool) {
	tok := r.PathValue("token")
	if !validToken(tok) {
		return queue.TicketStatus{}, false
	}
	return c.engine.TicketByToken(tok)
}

// eticketView puts ts into words in lang.
func (c *Controller) eticketView(ts queue.TicketStatus, lang string) eticketView {
	text := pageTexts[pageLang(lang)]
	t := ts.Ticket
	v := eticketView{
		Number: t.Number, State: string(t.Status), Counter: t.Counter, Calls: t.Calls,
		AsOf: c.clock.Now().UTC(),
	}
	if s, ok := c.engine.Service(t.Service); ok {
		v.Service = s.Name(lang)
	}
	tz := c.tz(t.Location)
	if loc, ok := c.location(t.Location); ok {
		v.Location = loc.Name
	}
	fill := func(key string) string {
		return fillText(text[key], "{counter}", strconv.Itoa(t.Counter), "{call}", strconv.Itoa(t.Calls),
			"{max}", strconv.Itoa(c.cfg.Branch.Rules.MaxCalls), "{day}", t.Day)
	}
	v.Headline, v.Detail = fill("et."+string(t.Status)), fill("et."+string(t.Status)+".detail")
	switch t.Status {
	case queue.StatusWaiting:
		v.Ahead = strings.Replace(text["et.ahead"], "{n}", strconv.Itoa(ts.Ahead), 1)
		v.Estimate = strings.Replace(text["et.estimate"], "{time}", waitRange(text, ts.Estimate), 1)
	case queue.StatusCalled:
		if t.Calls > 1 {
			v.Detail = fill("et.called.again")
		}
	}
	if t.Kind == queue.Booked {
		at := t.Key.In(tz)
		v.Booked = fillText(text["et.booked.at"], "{date}", at.Format("02.01.2006"), "{time}", at.Format("15:04"))
	}
	switch t.Status {
	case queue.StatusBooked:
		v.CanLeave, v.Cancel = true, true
	case queue.StatusWaiting, queue.StatusCalled, queue.StatusNoShow:
		v.CanLeave = true
	}
	return v
}

// fillText replaces each placeholder of pairs (placeholder, value, …) in
// s. Every viewer of every e-ticket fills its texts after each event: this
// allocates only for the placeholders s has, where a strings.Replacer would
// be built each time.
func fillText(s string, pairs ...string) string {
	for i := 0; i+1 < len(pairs) && strings.IndexByte(s, '{') >= 0; i += 2 {
		if strings.Contains(s, pairs[i]) {
			s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
		}
	}
	return s
}

// tz is the time zone of location id.
func (c *Controller) tz(id string) *time.Location {
	if l, ok := c.location(id); ok && l.TZ != nil {
		return l.TZ
	}
	return time.Local
}

// waitRange says an estimate as a range in minutes: "10–15 min", "ok. 5
// min", "do 4 min", "za chwilę".
func waitRange(text map[string]string, e queue.Estimate) string {
	lo, hi := e.Minutes()
	switch {
	case hi < 1:
		return text["estimate.soon"]
	case lo == hi:
		return strings.Replace(text["et.wait.about"], "{time}", spanText(text, hi), 1)
	case lo < 1:
		return strings.Replace(text["et.wait.upto"], "{time}", spanText(text, hi), 1)
	case hi < 60:
		return fillText(text["et.wait.range"], "{lo}", strconv.Itoa(lo), "{time}", spanText(text, hi))
	}
	return spanText(text, lo) + " – " + spanText(text, hi)
}

// spanText says m minutes: "15 min", "1 godz. 20 min".
func spanText(text map[string]string, m int) string {
	switch {
	case m < 60:
		return strings.Replace(text["et.min"], "{n}", strconv.Itoa(m), 1)
	case m%60 == 0:
		return strings.Replace(text["et.h"], "{h}", strconv.Itoa(m/60), 1)
	}
	return fillText(text["et.hmin"], "{h}", strconv.Itoa(m/60), "{m}", strconv.Itoa(m%60))
}

// eticketPage is /t/{token}: the e-ticket, or a plain not-found page that
// says nothing about other tickets.
func (c *Controller) eticketPage(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	ts, ok := c.eticket(r)
	if !ok {
		c.pages.ETicketNotFound(w, r, lang)
		return
	}
	c.pages.ETicket(w, r, lang, c.eticketPageData(ts, r, lang, notifyForm{When: notifyDefault, Called: true}))
}

// notifyForm is what the holder typed in the notification form.
type notifyForm struct {
	Contact, When string
	Called        bool
	Error         string
}

// eticketPageData is everything the page of ts shows, with the
// notification form as f.
func (c *Controller) eticketPageData(ts queue.TicketStatus, r *http.Request, lang string, f notifyForm) eticketPageData {
	text := pageTexts[pageLang(lang)]
	d := eticketPageData{
		View: c.eticketView(ts, lang), Token: r.PathValue("token"), TZ: c.tz(ts.Ticket.Location),
		Confirm: r.URL.Query().Has("leave"), Message: r.URL.Query().Get("done"),
	}
	n := &d.Notify
	sub, set := c.notifier.subscription(ts.Ticket.ID)
	st := ts.Ticket.Status
	n.Offer = set || st == queue.StatusWaiting || st == queue.StatusBooked
	n.Error = f.Error
	if set {
		n.Set = true
		parts := []string{whenText(text, sub.When)}
		if sub.Called {
			parts = append(parts, text["nt.when.called"])
		}
		n.Summary = strings.NewReplacer("{contact}", sub.Contact.Masked(), "{when}", strings.Join(parts, text["nt.and"])).Replace(text["et.notify.summary"])
		if !sub.Soon.IsZero() || !sub.CalledAt.IsZero() {
			last := sub.Soon
			if sub.CalledAt.After(last) {
				last = sub.CalledAt
			}
			n.Sent = strings.Replace(text["et.notify.sent"], "{time}", last.In(d.TZ).Format("15:04"), 1)
		}
		n.Failed = sub.Failed != ""
		return d
	}
	n.Contact, n.Called = f.Contact, f.Called
	for _, w := range notifyChoices {
		n.Choices = append(n.Choices, notifyChoice{Value: w, Text: whenText(text, w), Selected: w == f.When})
	}
	return d
}

// eticketPost starts a form sent from an e-ticket page: the ticket of the
// token and the page's language. It answers a plain not-found page for an
// unknown token and refuses a form sent by another site; ok is false then.
func (c *Controller) eticketPost(w http.ResponseWriter, r *http.Request) (ts queue.TicketStatus, lang string, ok bool) {
	lang = c.lang(w, r)
	if ts, ok = c.eticket(r); !ok {
		c.pages.ETicketNotFound(w, r, lang)
		return ts, lang, false
	}
	if err := sameOrigin(r); err != nil {
		c.pages.Error(w, r, lang, http.StatusForbidden, localMessage(err, lang))
		return ts, lang, false
	}
	return ts, lang, true
}

// eticketNotify is POST /t/{token}/notify: the holder sets a contact for
// the advance notifications. A mistake shows the page again with the form
// as typed and what is wrong.
func (c *Controller) eticketNotify(w http.ResponseWriter, r *http.Request) {
	ts, lang, ok := c.eticketPost(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		c.pages.Error(w, r, lang, http.StatusBadRequest, localMessage(queue.Errorf(queue.EInvalid, "the form could not be read"), lang))
		return
	}
	f := notifyForm{Contact: r.PostForm.Get("contact"), When: r.PostForm.Get("when"), Called: r.PostForm.Get("called") != ""}
	err := c.notifier.subscribe(ts, r.PathValue("token"), f.Contact, f.When, f.Called, lang, clientIP(r))
	if err != nil {
		if errorStatus(err) >= 500 {
			c.log.Error("e-ticket notification", "err", err)
		}
		f.Error = localMessage(err, lang)
		if _, _, ok := parseWhen(f.When); !ok {
			f.When = notifyDefault
		}
		c.pages.ETicketStatus(w, r, lang, errorStatus(err), c.eticketPageData(ts, r, lang, f))
		return
	}
	http.Redirect(w, r, "/t/"+r.PathValue("token")+"?done=notify#et-notify", http.StatusSeeOther)
}

// eticketNotifyOff is POST /t/{token}/notify/off: no more notifications,
// and the contact is deleted at once.
func (c *Controller) eticketNotifyOff(w http.ResponseWriter, r *http.Request) {
	ts, lang, ok := c.eticketPost(w, r)
	if !ok {
		return
	}
	if err := c.notifier.unsubscribe(ts.Ticket.ID); err != nil {
		c.log.Error("e-ticket notification off", "err", err)
		c.pages.Error(w, r, lang, http.StatusInternalServerError, "")
		return
	}
	http.Redirect(w, r, "/t/"+r.PathValue("token")+"?done=notify-off", http.StatusSeeOther)
}

// eticketLeave is POST /t/{token}/leave: the holder leaves the queue, or
// cancels a booked visit. The page asked for a confirmation first.
func (c *Controller) eticketLeave(w http.ResponseWriter, r *http.Request) {
	ts, lang, ok := c.eticketPost(w, r)
	if !ok {
		return
	}
	if _, err := c.engine.Cancel(r.Context(), ts.Ticket.Location, ts.Ticket.ID); err != nil {
		if errorStatus(err) >= 500 {
			c.log.Error("e-ticket leave", "err", err)
		}
		c.pages.Error(w, r, lang, errorStatus(err), localMessage(err, lang))
		return
	}
	c.log.Info("e-ticket left the queue", "location", ts.Ticket.Location, "number", ts.Ticket.Number)
	c.bookingCancelled(ts.Ticket.ID) // at once, so the place is free when the page says so
	http.Redirect(w, r, "/t/"+r.PathValue("token")+"?done=left", http.StatusSeeOther)
}

// aliveFrame tells the page the office's time.
func aliveFrame(now time.Time) []byte {
	return []byte("event: alive\ndata: {\"as_of\":\"" + now.UTC().Format(time.RFC3339) + "\"}\n\n")
}

// outboxPage is /dev/outbox: the messages kept by the development outbox,
// shown only to a browser on the controller's own machine, and only when
// the configuration keeps messages there.
func (c *Controller) outboxPage(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	ip := net.ParseIP(clientIP(r))
	if c.outbox == nil || ip == nil || !ip.IsLoopback() {
		c.pages.NotFound(w, r, lang, "")
		return
	}
	var entries []outboxEntry
	for _, m := range c.outbox.Messages() {
		entries = append(entries, outboxEntry{
			Time: m.Time.In(time.Local).Format("2006-01-02 15:04:05"), To: m.To.Value,
			Subject: m.Subject, Text: m.Text, Attachments: m.Attachments,
		})
	}
	c.pages.Outbox(w, r, lang, entries)
}

// displayPage is /display/{loc} (the hall's group screen) and
// /display/{loc}/{counter} (a counter's own screen) for a TV's browser.
// What they show is public: the location's event stream needs no token.
// ?info= adds a line at the bottom.
func (c *Controller) displayPage(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	loc, ok := c.location(r.PathValue("loc"))
	if !ok {
		c.pages.NotFound(w, r, lang, localMessage(queue.Errorf(queue.ENotFound, "unknown location %q", r.PathValue("loc")), lang))
		return
	}
	n := 0
	if s := r.PathValue("counter"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || !c.hasCounter(loc.ID, n) {
			c.pages.NotFound(w, r, lang, localMessage(queue.Errorf(queue.ENotFound, "%s has no counter %s", loc.ID, s), lang))
			return
		}
	}
	info := r.URL.Query().Get("info")
	if len(info) > 200 {
		info = info[:200]
	}
	c.pages.Display(w, r, lang, *loc, n, strings.ToValidUTF8(info, ""))
}

// hasCounter reports whether location loc has counter n.
func (c *Controller) hasCounter(loc string, n int) bool {
	for _, k := range c.cfg.Branch.Counters {
		if k.Location == loc && k.Number == n {
			return true
		}
	}
	return false
}
