package controller

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/calendar"
	"github.com/numerek/numerek/queue"
)

// The online booking's pages, the seed's five steps. Every page is whole
// on the server and every step is a plain form, so it works without
// JavaScript:
//
//	GET  /book                       1. the matter (service)
//	GET  /book/{svc}                 2. the office (location)
//	GET  /book/{svc}/{loc}[/{date}]  3. the date and the time
//	POST /book/{svc}/{loc}/{date}       holds the time → /book/v/{id}
//	GET  /book/v/{id}                4. name and contact
//	POST /book/v/{id}                   sends the code → /book/v/{id}/code
//	GET  /book/v/{id}/code           5. the code
//	POST /book/v/{id}/code              confirms → /book/v/{id}/done
//	POST /book/v/{id}/resend            a new code
//	GET  /book/v/{id}/done              the confirmation
//
// The booking id (128 random bits) is the key of steps 4 and 5: only the
// person who chose the time has it. The visit is cancelled from its
// e-ticket, whose link the confirmation carries.

// bookStepNames are the text keys of the five steps.
var bookStepNames = [5]string{"bk.step.service", "bk.step.location", "bk.step.time", "bk.step.person", "bk.step.code"}

// bookPageData is what the booking's page shows at one step.
type bookPageData struct {
	Step  int // 1-5; 6 is the confirmation
	Steps []bookStep
	Back  string // the previous step's URL

	Choices []bookChoice // steps 1 and 2

	Service  string // the chosen service's name
	Location *pageLocation
	Days     []bookDay // step 3
	Day      *bookDay
	Times    []bookTime
	Action   string // the form's URL

	ID       string // the booking's, from step 4 on
	When     string // "środa, 25.11.2026, 10:30"
	HoldText string // "We keep this time for you until 09:15."
	Fields   []bookField
	Privacy  string
	Errors   map[string]string // by field
	Error    string            // not of one field
	Notice   string
	SentTo   string // the masked contact the code went to
	Failed   bool   // the code could not be sent
	Number   string
	ETicket  string
	Cancel   string
}

// bookField is one field of step 4.
type bookField struct {
	Name, Label, Hint, Autocomplete, Type, DescribedBy, Value, Error string
	First                                                            bool // the first field with a mistake: it gets the focus
}

type bookStep struct {
	N             int
	Name          string
	Current, Done bool
}

type bookChoice struct {
	ID, URL, Name, Detail string
}

type bookDay struct {
	Date, Label, Long string
	Free              int
	Closed            string
	URL               string
	Current           bool
}

type bookTime struct {
	Value, Label string
	Checked      bool
}

// bookPage starts the page data of step n.
func (c *Controller) bookPage(lang string, n int) *bookPageData {
	text := pageTexts[pageLang(lang)]
	d := &bookPageData{Step: n, Errors: map[string]string{}}
	for i, key := range bookStepNames {
		d.Steps = append(d.Steps, bookStep{N: i + 1, Name: text[key], Current: i+1 == n, Done: i+1 < n})
	}
	return d
}

func (c *Controller) serviceName(prefix, lang string) string {
	if s, ok := c.engine.Service(prefix); ok {
		return s.Name(lang)
	}
	return prefix
}

// bookServices is step 1.
func (c *Controller) bookServices(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	d := c.bookPage(lang, 1)
	for _, s := range c.bookings.Services() {
		ch := bookChoice{ID: "bk-service-" + s.Prefix, URL: "/book/" + s.Prefix, Name: c.serviceName(s.Prefix, lang)}
		ch.Detail = fillText(pageTexts[pageLang(lang)]["bk.service.length"], "{min}", strconv.Itoa(int(c.bookings.SlotLength(s.Prefix)/time.Minute)))
		d.Choices = append(d.Choices, ch)
	}
	c.pages.Book(w, r, lang, http.StatusOK, d)
}

// bookLocations is step 2.
func (c *Controller) bookLocations(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	svc := r.PathValue("svc")
	locs := c.bookings.Locations(svc)
	if len(locs) == 0 {
		c.pages.NotFound(w, r, lang, localMessage(queue.Errorf(queue.ENotFound, "unknown service %q", svc), lang))
		return
	}
	d := c.bookPage(lang, 2)
	d.Back, d.Service = "/book", c.serviceName(svc, lang)
	for _, l := range locs {
		pl := c.pages.location(l, pageLang(lang))
		d.Choices = append(d.Choices, bookChoice{ID: "bk-location-" + l.ID, URL: "/book/" + svc + "/" + l.ID, Name: l.Name, Detail: pl.Address})
	}
	c.pages.Book(w, r, lang, http.StatusOK, d)
}

// bookTimes is step 3: the dates, and the free times of one.
func (c *Controller) bookTimes(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	c.renderTimes(w, r, lang, http.StatusOK, "")
}

// renderTimes renders step 3 with status and a mistake to show.
func (c *Controller) renderTimes(w http.ResponseWriter, r *http.Request, lang string, status int, mistake string) {
	svc, locID := r.PathValue("svc"), r.PathValue("loc")
	now := c.clock.Now()
	days, err := c.bookings.Days(locID, svc, now)
	if err != nil {
		c.pages.Error(w, r, lang, errorStatus(err), localMessage(err, lang))
		return
	}
	loc, _ := c.location(locID)
	text := pageTexts[pageLang(lang)]
	d := c.bookPage(lang, 3)
	d.Back, d.Service, d.Error = "/book/"+svc, c.serviceName(svc, lang), mistake
	pl := c.pages.location(*loc, pageLang(lang))
	d.Location = &pl
	want := r.PathValue("date")
	var chosen *booking.Day
	for i, day := range days {
		bd := bookDay{
			Date: day.Date.String(), Free: len(day.Slots),
			Label: text[fmt.Sprintf("dow.%d", day.Date.Weekday())] + " " + fmt.Sprintf("%02d.%02d", day.Date.Day, day.Date.Month),
			Long:  c.longDate(day.Date, lang),
			URL:   "/book/" + svc + "/" + locID + "/" + day.Date.String(),
		}
		switch day.Closed {
		case booking.ClosedHoliday:
			bd.Closed = text["bk.closed.holiday"]
		case booking.ClosedClosure, booking.ClosedWeekday:
			bd.Closed = text["hours.closed"]
		default:
			if len(day.Slots) == 0 {
				bd.Closed = text["bk.full"]
			}
		}
		if want == bd.Date || want == "" && chosen == nil && len(day.Slots) > 0 {
			bd.Current, chosen = true, &days[i]
		}
		d.Days = append(d.Days, bd)
	}
	if want != "" && chosen == nil {
		c.pages.NotFound(w, r, lang, localMessage(queue.Errorf(queue.EInvalid, "%s is not a date that can be booked: choose one from %s to %s", want, days[0].Date, days[len(days)-1].Date), lang))
		return
	}
	if chosen != nil {
		for i := range d.Days {
			if d.Days[i].Current {
				d.Day = &d.Days[i]
			}
		}
		d.Action = d.Day.URL
		picked := r.PostFormValue("time")
		for _, s := range chosen.Slots {
			v := s.Start.Format("15:04")
			d.Times = append(d.Times, bookTime{Value: v, Label: v + "–" + s.End.Format("15:04"), Checked: v == picked})
		}
	}
	c.pages.Book(w, r, lang, status, d)
}

// longDate says d in full: "środa, 25.11.2026".
func (c *Controller) longDate(d calendar.Date, lang string) string {
	return pageTexts[pageLang(lang)][fmt.Sprintf("day.%d", d.Weekday())] + ", " + fmt.Sprintf("%02d.%02d.%d", d.Day, d.Month, d.Year)
}

// bookHold is POST step 3: hold the chosen time.
func (c *Controller) bookHold(w http.ResponseWriter, r *http.Request) {
	lang, ok := c.bookForm(w, r)
	if !ok {
		return
	}
	svc, locID := r.PathValue("svc"), r.PathValue("loc")
	loc, ok := c.location(locID)
	if !ok {
		c.pages.NotFound(w, r, lang, localMessage(queue.Errorf(queue.ENotFound, "unknown location %q", locID), lang))
		return
	}
	d, err := calendar.ParseDate(r.PathValue("date"))
	if err != nil {
		c.pages.NotFound(w, r, lang, "")
		return
	}
	hm := r.PostFormValue("time")
	at, err := time.ParseInLocation("2006-01-02 15:04", d.String()+" "+hm, loc.TZ)
	if err != nil {
		c.renderTimes(w, r, lang, http.StatusBadRequest, pageTexts[pageLang(lang)]["bk.time.missing"])
		return
	}
	bk, err := c.bookings.Hold(locID, svc, at, clientIP(r), pageLang(lang))
	if err != nil {
		c.logBookingError("hold", err)
		c.renderTimes(w, r, lang, errorStatus(err), localMessage(err, lang))
		return
	}
	http.Redirect(w, r, "/book/v/"+bk.ID, http.StatusSeeOther)
}

// bookForm starts a POST of the booking: the page's language, the form
// read, same-origin only. ok is false when it has answered.
func (c *Controller) bookForm(w http.ResponseWriter, r *http.Request) (lang string, ok bool) {
	lang = c.lang(w, r)
	if err := sameOrigin(r); err != nil {
		c.pages.Error(w, r, lang, http.StatusForbidden, localMessage(err, lang))
		return lang, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		c.pages.Error(w, r, lang, http.StatusBadRequest, localMessage(queue.Errorf(queue.EInvalid, "the form could not be read"), lang))
		return lang, false
	}
	return lang, true
}

// heldForm starts a POST of step 4 or 5: the form read (bookForm) and the
// booking still held (heldBooking). ok is false when it has answered.
func (c *Controller) heldForm(w http.ResponseWriter, r *http.Request) (lang string, bk booking.Booking, ok bool) {
	if lang, ok = c.bookForm(w, r); !ok {
		return lang, bk, false
	}
	bk, ok = c.heldBooking(w, r, lang)
	return lang, bk, ok
}

func (c *Controller) logBookingError(op string, err error) {
	if errorStatus(err) >= 500 {
		c.log.Error("booking", "op", op, "err", err)
	}
}

// heldBooking finds the booking of the request's {id} for steps 4 and 5.
// A booking that is no longer held sends the person where it stands: the
// confirmation, or back to step 3 with why. ok is false when it has
// answered.
func (c *Controller) heldBooking(w http.ResponseWriter, r *http.Request, lang string) (booking.Booking, bool) {
	id := r.PathValue("id")
	bk, ok := c.bookings.Get(id)
	if !booking.ValidID(id) || !ok {
		c.pages.NotFound(w, r, lang, pageTexts[pageLang(lang)]["bk.notfound"])
		return bk, false
	}
	switch bk.Status {
	case booking.Confirmed:
		http.Redirect(w, r, "/book/v/"+id+"/done", http.StatusSeeOther)
		return bk, false
	case booking.Held, booking.Confirming:
		return bk, true
	}
	d := c.bookPage(lang, 3)
	d.Back = "/book/" + bk.Service + "/" + bk.Location
	d.Notice = pageTexts[pageLang(lang)]["bk.expired"]
	if bk.Status == booking.Cancelled {
		d.Notice = pageTexts[pageLang(lang)]["bk.cancelled"]
	}
	c.pages.Book(w, r, lang, http.StatusConflict, d)
	return bk, false
}

// bookSummary fills what step 4, 5 and the confirmation say of bk.
func (c *Controller) bookSummary(d *bookPageData, bk booking.Booking, lang string) {
	loc, _ := c.location(bk.Location)
	pl := c.pages.location(*loc, pageLang(lang))
	d.Location, d.Service = &pl, c.serviceName(bk.Service, lang)
	start := bk.Start.In(loc.TZ)
	d.ID = bk.ID
	d.When = c.longDate(calendar.DateOf(start), lang) + ", " + start.Format("15:04")
	d.HoldText = fillText(pageTexts[pageLang(lang)]["bk.hold"], "{time}", bk.HoldUntil.In(loc.TZ).Format("15:04"))
	d.Back = "/book/" + bk.Service + "/" + bk.Location + "/" + calendar.DateOf(start).String()
}

// personFields lays out step 4's form as typed in f, with the mistakes of
// d.
func (c *Controller) personFields(d *bookPageData, f booking.PersonForm, lang string) {
	text := pageTexts[pageLang(lang)]
	d.Privacy = fillText(text["bk.person.privacy"], "{days}", strconv.Itoa(c.cfg.PersonalDataDays))
	first := true
	for _, fd := range []bookField{
		{Name: "first", Autocomplete: "given-name", Type: "text", DescribedBy: "bk-name-hint", Value: f.First},
		{Name: "last", Autocomplete: "family-name", Type: "text", DescribedBy: "bk-name-hint", Value: f.Last},
		{Name: "company", Autocomplete: "organization", Type: "text", DescribedBy: "bk-name-hint", Value: f.Company},
		{Name: "contact", Autocomplete: "tel", Type: "text", DescribedBy: "bk-contact-hint", Value: f.Contact},
	} {
		fd.Label, fd.Hint = text["bk.person."+fd.Name], text["bk.person."+fd.Name+".hint"]
		if fd.Error = d.Errors[fd.Name]; fd.Error != "" {
			fd.First, first = first, false
		}
		d.Fields = append(d.Fields, fd)
	}
}

// bookPerson is step 4.
func (c *Controller) bookPerson(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	bk, ok := c.heldBooking(w, r, lang)
	if !ok {
		return
	}
	d := c.bookPage(lang, 4)
	c.bookSummary(d, bk, lang)
	var f booking.PersonForm
	if p, ok := c.bookings.Person(bk.ID); ok {
		f = booking.PersonForm{First: p.First, Last: p.Last, Company: p.Company, Contact: p.Contact.Value}
	}
	c.personFields(d, f, lang)
	c.pages.Book(w, r, lang, http.StatusOK, d)
}

// bookPersonPost is POST step 4: keep the person and send the code.
func (c *Controller) bookPersonPost(w http.ResponseWriter, r *http.Request) {
	lang, bk, ok := c.heldForm(w, r)
	if !ok {
		return
	}
	f := booking.PersonForm{
		First: r.PostFormValue("first"), Last: r.PostFormValue("last"),
		Company: r.PostFormValue("company"), Contact: r.PostFormValue("contact"),
	}
	if _, err := c.bookings.SetPerson(bk.ID, f, clientIP(r)); err != nil {
		c.logBookingError("person", err)
		d := c.bookPage(lang, 4)
		c.bookSummary(d, bk, lang)
		var fe *booking.FieldError
		if errors.As(err, &fe) {
			d.Errors[fe.Field] = localMessage(fe.Err, lang)
		} else {
			d.Error = localMessage(err, lang)
		}
		c.personFields(d, f, lang)
		c.pages.Book(w, r, lang, errorStatus(err), d)
		return
	}
	http.Redirect(w, r, "/book/v/"+bk.ID+"/code", http.StatusSeeOther)
}

// bookCode is step 5.
func (c *Controller) bookCode(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	bk, ok := c.heldBooking(w, r, lang)
	if !ok {
		return
	}
	if _, ok := c.bookings.Person(bk.ID); !ok { // step 4 first
		http.Redirect(w, r, "/book/v/"+bk.ID, http.StatusSeeOther)
		return
	}
	c.renderCode(w, r, lang, http.StatusOK, bk, "")
}

// renderCode renders step 5 with status and a mistake to show.
func (c *Controller) renderCode(w http.ResponseWriter, r *http.Request, lang string, status int, bk booking.Booking, mistake string) {
	d := c.bookPage(lang, 5)
	c.bookSummary(d, bk, lang)
	d.Back = "/book/v/" + bk.ID
	if p, ok := c.bookings.Person(bk.ID); ok {
		d.SentTo = p.Contact.Masked()
	}
	d.Failed = bk.Code.Failed
	d.Errors["code"] = mistake
	if r.URL.Query().Has("resent") && !d.Failed {
		d.Notice = pageTexts[pageLang(lang)]["bk.code.resent"]
	}
	c.pages.Book(w, r, lang, status, d)
}

// bookConfirm is POST step 5: the code books the visit.
func (c *Controller) bookConfirm(w http.ResponseWriter, r *http.Request) {
	lang, bk, ok := c.heldForm(w, r)
	if !ok {
		return
	}
	if _, err := c.bookings.Confirm(r.Context(), bk.ID, r.PostFormValue("code")); err != nil {
		c.logBookingError("confirm", err)
		bk, _ = c.bookings.Get(bk.ID)
		if bk.Status != booking.Held && bk.Status != booking.Confirming {
			c.heldBooking(w, r, lang)
			return
		}
		c.renderCode(w, r, lang, errorStatus(err), bk, localMessage(err, lang))
		return
	}
	http.Redirect(w, r, "/book/v/"+bk.ID+"/done", http.StatusSeeOther)
}

// bookResend is POST /book/v/{id}/resend: a new code.
func (c *Controller) bookResend(w http.ResponseWriter, r *http.Request) {
	lang, bk, ok := c.heldForm(w, r)
	if !ok {
		return
	}
	if _, err := c.bookings.Resend(bk.ID, clientIP(r)); err != nil {
		c.logBookingError("resend", err)
		d := c.bookPage(lang, 5)
		c.bookSummary(d, bk, lang)
		d.Back = "/book/v/" + bk.ID
		d.Error = localMessage(err, lang)
		if p, ok := c.bookings.Person(bk.ID); ok {
			d.SentTo = p.Contact.Masked()
		}
		c.pages.Book(w, r, lang, errorStatus(err), d)
		return
	}
	http.Redirect(w, r, "/book/v/"+bk.ID+"/code?resent", http.StatusSeeOther)
}

// bookDone is the confirmation.
func (c *Controller) bookDone(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	id := r.PathValue("id")
	bk, ok := c.bookings.Get(id)
	if !booking.ValidID(id) || !ok {
		c.pages.NotFound(w, r, lang, pageTexts[pageLang(lang)]["bk.notfound"])
		return
	}
	if bk.Status != booking.Confirmed {
		if _, ok := c.heldBooking(w, r, lang); ok {
			http.Redirect(w, r, "/book/v/"+id+"/code", http.StatusSeeOther)
		}
		return
	}
	d := c.bookPage(lang, 6)
	c.bookSummary(d, bk, lang)
	d.Back = ""
	d.Number = bk.Number
	d.ETicket = "/t/" + bk.Token
	d.Cancel = d.ETicket + "?leave"
	if p, ok := c.bookings.Person(bk.ID); ok {
		d.SentTo = p.Contact.Masked()
	}
	c.pages.Book(w, r, lang, http.StatusOK, d)
}
