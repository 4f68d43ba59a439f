package controller

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/numerek/numerek/queue"
)

// The pages' templates and static assets, built into the binary.
var (
	//go:embed web/templates/*.html
	pagesTemplateFS embed.FS
	//go:embed web/static
	pagesStaticFS embed.FS
)

// The paths the pages link to. The lead's router mounts the pages there.
const (
	pagesAPIBase    = "/api/v1"
	pagesStaticBase = "/static/"
)

// Timing of the kiosk page, in seconds.
const (
	kioskResultSeconds = 10 // the ticket is shown this long before the buttons return
	kioskIdleSeconds   = 60 // an English kiosk goes back to Polish after this long untouched
)

// Pages renders the branch controller's server-side pages: the index, the
// clerk terminal, the kiosk and the not-found page. They carry only static
// data (locations, services, counters, texts); live data comes from the API
// through the pages' JavaScript.
type Pages struct {
	// Clock tells the time for today's opening hours; SystemClock by default.
	Clock queue.Clock
	// Logger reports template errors; slog.Default() by default.
	Logger *slog.Logger

	branch *queue.Branch
	tmpl   map[string]*template.Template
}

// The page templates: each is layout.html plus its own file.
var pageNames = []string{"index", "clerk", "kiosk", "notfound", "eticket", "outbox", "display", "book", "manager", "devices"}

// NewPages parses the embedded templates for the offices of b.
func NewPages(b *queue.Branch) (*Pages, error) {
	if b == nil {
		return nil, fmt.Errorf("pages: no branch")
	}
	base, err := template.New("").Funcs(template.FuncMap{"static": staticURL}).
		ParseFS(pagesTemplateFS, "web/templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("pages: parse layout: %w", err)
	}
	p := &Pages{
		Clock:  queue.SystemClock{},
		Logger: slog.Default(),
		branch: b,
		tmpl:   make(map[string]*template.Template, len(pageNames)),
	}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(pagesTemplateFS, "web/templates/"+name+".html")
		}
		if err != nil {
			return nil, fmt.Errorf("pages: parse %s: %w", name, err)
		}
		p.tmpl[name] = t
	}
	return p, nil
}

// Index renders the home page: links to the clerk terminal and to each
// office's kiosk, with today's opening hours.
func (p *Pages) Index(w http.ResponseWriter, r *http.Request, lang string) {
	d := p.data(lang, "index")
	d.Title = d.text["index.title"]
	for _, l := range p.branch.Locations {
		d.Locations = append(d.Locations, p.location(l, d.Lang))
	}
	p.render(w, http.StatusOK, d)
}

// Clerk renders the clerk terminal: one page whose script shows the login
// form, the choice of a counter or the terminal itself, by the session.
func (p *Pages) Clerk(w http.ResponseWriter, r *http.Request, lang string) {
	d := p.data(lang, "clerk")
	d.Title = d.text["clerk.title"]
	s := pageScript{
		Lang:     d.Lang,
		API:      pagesAPIBase,
		MaxCalls: p.branch.Rules.MaxCalls,
		Services: p.services(d.Lang, nil),
		Text:     d.text,
	}
	for _, l := range p.branch.Locations {
		pl := p.location(l, d.Lang)
		s.Locations = append(s.Locations, pageScriptLocation{ID: pl.ID, Name: pl.Name, TZ: pl.TZ, Counters: pl.Counters})
	}
	d.Script = s
	p.render(w, http.StatusOK, d)
}

// Kiosk renders the touch-screen ticket machine of loc.
func (p *Pages) Kiosk(w http.ResponseWriter, r *http.Request, lang string, loc queue.Location) {
	d := p.data(lang, "kiosk")
	pl := p.location(loc, d.Lang)
	d.Location = &pl
	d.Title = d.text["kiosk.title"] + " – " + pl.Name
	d.Script = pageScript{
		Lang:          d.Lang,
		API:           pagesAPIBase,
		Location:      pl.ID,
		TZ:            pl.TZ,
		Services:      pl.Services,
		ResultSeconds: kioskResultSeconds,
		IdleSeconds:   kioskIdleSeconds,
		Text:          d.text,
	}
	p.render(w, http.StatusOK, d)
}

// eticketPageData is what the e-ticket page shows besides the status.
type eticketPageData struct {
	View    eticketView
	Token   string
	TZ      *time.Location // the office's: the time of the last update
	Updated string         // "Stan z godz. 12:03:15", filled by ETicket
	Confirm bool           // ask "leave the queue?" before the button that does it
	Message string         // what was just done: "left", "notify", "notify-off"
	Notify  notifyPageData
}

// notifyPageData is the e-ticket's notification section.
type notifyPageData struct {
	Offer   bool   // the ticket can still be notified of
	Set     bool   // a contact is set: Summary says what will be sent
	Summary string // "Powiadomimy Cię na +48 *** *** 789: …"
	Sent    string // what was sent and when, or empty
	Failed  bool   // a message could not be sent
	Choices []notifyChoice
	Contact string // the form's contact, as typed
	Called  bool   // the form's "also when called"
	Error   string // what is wrong with the form, tied to the contact field
}

type notifyChoice struct {
	Value, Text string
	Selected    bool
}

// ETicket renders the e-ticket of one ticket: complete on the server, and
// kept live by its script.
func (p *Pages) ETicket(w http.ResponseWriter, r *http.Request, lang string, e eticketPageData) {
	p.ETicketStatus(w, r, lang, http.StatusOK, e)
}

// ETicketStatus is ETicket answering status: a form with a mistake is
// shown again with 400 or 429.
func (p *Pages) ETicketStatus(w http.ResponseWriter, r *http.Request, lang string, status int, e eticketPageData) {
	d := p.data(lang, "eticket")
	d.Title = d.text["et.title"] + " " + e.View.Number
	if e.TZ == nil {
		e.TZ = time.Local
	}
	e.Updated = strings.Replace(d.text["et.updated"], "{time}", e.View.AsOf.In(e.TZ).Format("15:04:05"), 1)
	d.ETicket = &e
	d.Refresh = int(eticketRefresh / time.Second)
	d.Script = pageScript{
		Lang:   d.Lang,
		API:    pagesAPIBase,
		Stream: "/t/" + e.Token + "/events?lang=" + d.Lang,
		TZ:     e.TZ.String(),
		Text: map[string]string{
			"et.updated": d.text["et.updated"], "et.offline": d.text["et.offline"],
		},
		Services: []pageService{},
	}
	p.render(w, status, d)
}

// pageDisplay is the web display of a location's hall, or of one counter.
type pageDisplay struct {
	Name    string // the location's
	Desk    bool   // a counter's own screen
	Counter int
	Info    string // an optional line at the bottom
}

// Display renders the web display of loc: the group screen, or counter's
// own screen when counter is not 0. Its script follows the location's
// event stream.
func (p *Pages) Display(w http.ResponseWriter, r *http.Request, lang string, loc queue.Location, counter int, info string) {
	d := p.data(lang, "display")
	pl := p.location(loc, d.Lang)
	d.Display = &pageDisplay{Name: pl.Name, Desk: counter != 0, Counter: counter, Info: info}
	d.Title = d.text["display.title"] + " – " + pl.Name
	if counter != 0 {
		d.Title = fmt.Sprintf("%s %d – %s", d.text["display.counter"], counter, pl.Name)
	}
	d.Script = pageScript{
		Lang: d.Lang, API: pagesAPIBase, Location: pl.ID, TZ: pl.TZ, Counter: counter,
		Services: pl.Services, Text: d.text,
	}
	p.render(w, http.StatusOK, d)
}

// Book renders a step of the online booking with status: a form with a
// mistake is shown again with 400, 409 or 429.
func (p *Pages) Book(w http.ResponseWriter, r *http.Request, lang string, status int, b *bookPageData) {
	d := p.data(lang, "book")
	d.Title = d.text["bk.title"]
	if b.Step >= 1 && b.Step <= len(bookStepNames) {
		d.Title = fillText(d.text["bk.title.step"], "{n}", fmt.Sprint(b.Step), "{step}", d.text[bookStepNames[b.Step-1]])
	} else if b.Step > len(bookStepNames) {
		d.Title = d.text["bk.done.title"]
	}
	mistake := b.Error != ""
	for _, e := range b.Errors {
		mistake = mistake || e != ""
	}
	if mistake {
		d.Title = d.text["bk.title.mistake"] + " " + d.Title
	}
	d.Book = b
	p.render(w, status, d)
}

// outboxEntry is one message of the development outbox, in full: the
// page is only for the machine's own user.
type outboxEntry struct {
	Time, To, Subject, Text string
	Attachments             []string
}

// Outbox renders the development outbox: the messages the controller would
// have sent, newest first.
func (p *Pages) Outbox(w http.ResponseWriter, r *http.Request, lang string, entries []outboxEntry) {
	d := p.data(lang, "outbox")
	d.Title = d.text["outbox.heading"]
	d.Outbox = entries
	d.Refresh = 10
	p.render(w, http.StatusOK, d)
}

// ETicketNotFound is the answer to an unknown or malformed e-ticket token:
// the same plain page whatever the token, so it tells nothing about other
// tickets.
func (p *Pages) ETicketNotFound(w http.ResponseWriter, r *http.Request, lang string) {
	p.Error(w, r, lang, http.StatusNotFound, pageTexts[pageLang(lang)]["et.notfound"])
}

// NotFound renders a plain 404 page with msg, or a generic text when msg is
// empty.
func (p *Pages) NotFound(w http.ResponseWriter, r *http.Request, lang string, msg string) {
	p.Error(w, r, lang, http.StatusNotFound, msg)
}

// Error renders the plain error page with status: "not found" for 404, "no
// access" for 401 and 403, a general heading otherwise, and msg below, or a
// generic text when msg is empty. Do not call w.WriteHeader before it.
func (p *Pages) Error(w http.ResponseWriter, r *http.Request, lang string, status int, msg string) {
	d := p.data(lang, "notfound")
	key := "error"
	switch status {
	case http.StatusNotFound:
		key = "notfound"
	case http.StatusUnauthorized, http.StatusForbidden:
		key = "forbidden"
	}
	d.Title = d.text[key+".title"]
	d.Heading = d.text[key+".heading"]
	d.Message = msg
	if d.Message == "" {
		d.Message = d.text[key+".text"]
	}
	p.render(w, status, d)
}

// pageData is what a page template gets.
type pageData struct {
	Lang      string
	Page      string // the template's name, also the body's class
	Title     string
	Locations []pageLocation // the index
	Location  *pageLocation  // the kiosk
	Heading   string         // the error page
	Message   string         // the error page
	Script    any            // JSON for the page's script, in #page-data
	ETicket   *eticketPageData
	Outbox    []outboxEntry // the development outbox
	Display   *pageDisplay  // the web display
	Book      *bookPageData // the online booking
	Ops       *opsPage      // the staff's pages: /manager and /devices
	Refresh   int           // seconds: the page reloads itself without JavaScript

	text map[string]string
}

// T returns the text with key in the page's language. A missing key is a
// template error, so that tests find it.
func (d *pageData) T(key string) (string, error) {
	s, ok := d.text[key]
	if !ok {
		return "", fmt.Errorf("no text %q in %q", key, d.Lang)
	}
	return s, nil
}

// OtherLang is the language the switch link offers.
func (d *pageData) OtherLang() string {
	if d.Lang == "en" {
		return "pl"
	}
	return "en"
}

// pageLocation is an office as the pages show it.
type pageLocation struct {
	ID, Name, Address string
	TZ                string // IANA name, "Europe/Warsaw"
	Voice             bool
	HoursToday        string // "08:00–18:00", or "closed" in the page's language
	OpenNow           bool
	Week              []pageDay           // Monday first
	Services          []pageService       // served by at least one counter, in the branch's order
	Counters          []pageScriptCounter // in the configuration's order
}

type pageDay struct {
	Day, Hours string
}

type pageService struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
}

// pageScript is the static data a page's script reads from #page-data.
type pageScript struct {
	Lang          string               `json:"lang"`
	API           string               `json:"api"`
	MaxCalls      int                  `json:"maxCalls,omitempty"`
	Location      string               `json:"location,omitempty"`
	TZ            string               `json:"tz,omitempty"` // the kiosk's office's time zone
	Locations     []pageScriptLocation `json:"locations,omitempty"`
	Services      []pageService        `json:"services"`
	ResultSeconds int                  `json:"resultSeconds,omitempty"`
	IdleSeconds   int                  `json:"idleSeconds,omitempty"`
	Stream        string               `json:"stream,omitempty"`  // the e-ticket's event stream
	Counter       int                  `json:"counter,omitempty"` // a counter's own display: its number
	Text          map[string]string    `json:"text"`
}

type pageScriptLocation struct {
	ID       string              `json:"id"`
	Name     string              `json:"name"`
	TZ       string              `json:"tz"` // IANA name: times are shown in the office's time
	Counters []pageScriptCounter `json:"counters"`
}

type pageScriptCounter struct {
	Number   int      `json:"number"`
	Services []string `json:"services"`
}

func (p *Pages) data(lang, page string) *pageData {
	lang = pageLang(lang)
	return &pageData{Lang: lang, Page: page, text: pageTexts[lang]}
}

// location describes l for the pages: its counters and services, and its
// opening hours today in its own time zone.
func (p *Pages) location(l queue.Location, lang string) pageLocation {
	text := pageTexts[lang]
	hours := func(h queue.Hours) string {
		if h.Closed() {
			return text["hours.closed"]
		}
		return strings.Replace(h.String(), "-", "–", 1)
	}
	tz := l.TZ
	if tz == nil {
		tz = time.Local
	}
	now := p.Clock.Now().In(tz)
	today := l.Hours[now.Weekday()]
	sinceMidnight := time.Duration(now.Hour())*time.Hour + time.Duration(now.Minute())*time.Minute
	pl := pageLocation{
		ID:         l.ID,
		Name:       l.Name,
		Address:    l.Address,
		TZ:         tz.String(),
		Voice:      l.Voice,
		HoursToday: hours(today),
		OpenNow:    !today.Closed() && sinceMidnight >= today.Open && sinceMidnight < today.Close,
	}
	for i := range 7 {
		wd := time.Weekday((i + 1) % 7)
		pl.Week = append(pl.Week, pageDay{Day: text[fmt.Sprintf("day.%d", wd)], Hours: hours(l.Hours[wd])})
	}
	served := map[string]bool{}
	for _, c := range p.branch.Counters {
		if c.Location != l.ID {
			continue
		}
		pl.Counters = append(pl.Counters, pageScriptCounter{Number: c.Number, Services: c.Services})
		for _, s := range c.Services {
			served[s] = true
		}
	}
	pl.Services = p.services(lang, served)
	return pl
}

// services lists the branch's services with names in lang: all of them, or
// only those in only when it is not nil.
func (p *Pages) services(lang string, only map[string]bool) []pageService {
	ss := []pageService{}
	for _, s := range p.branch.Services {
		if only != nil && !only[s.Prefix] {
			continue
		}
		ss = append(ss, pageService{Prefix: s.Prefix, Name: s.Name(lang)})
	}
	return ss
}

// render executes the page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (p *Pages) render(w http.ResponseWriter, status int, d *pageData) {
	var buf bytes.Buffer
	if err := p.tmpl[d.Page].ExecuteTemplate(&buf, "layout", d); err != nil {
		p.Logger.Error("pages: render", "page", d.Page, "lang", d.Lang, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Cookie")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// The language cookie and the languages the pages speak.
const (
	langCookie  = "lang"
	defaultLang = "pl"
)

// Lang is the language a request asks for: ?lang=pl|en, else the "lang"
// cookie, else Polish.
func Lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); pageTexts[l] != nil {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && pageTexts[c.Value] != nil {
		return c.Value
	}
	return defaultLang
}

// SetLang remembers lang in the "lang" cookie for a year. Call it when a
// request carries ?lang=.
func SetLang(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{
		Name:     langCookie,
		Value:    pageLang(lang),
		Path:     "/",
		MaxAge:   365 * 24 * 3600,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// pageLang is lang when the pages speak it, else the default.
func pageLang(lang string) string {
	if pageTexts[lang] != nil {
		return lang
	}
	return defaultLang
}

// staticFile is one embedded asset, ready to serve.
type staticFile struct {
	data        []byte
	contentType string
	hash        string // first hex digits of its SHA-256: ETag and ?v=
}

// staticFiles reads web/static once: name ("numerek.css") → file.
var staticFiles = sync.OnceValue(func() map[string]staticFile {
	files := map[string]staticFile{}
	sub, err := fs.Sub(pagesStaticFS, "web/static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	err = fs.WalkDir(sub, ".", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files[name] = staticFile{data: data, contentType: staticType(name), hash: hex.EncodeToString(sum[:8])}
		return nil
	})
	if err != nil {
		panic(err) // reading an embed.FS does not fail
	}
	return files
})

// staticType is the Content-Type of an asset, not left to the system's
// MIME tables.
func staticType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".woff2":
		return "font/woff2"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// staticURL is the versioned URL of an asset: "/static/numerek.css?v=…". The
// version changes with the content, so the asset can be cached for long.
func staticURL(name string) (string, error) {
	f, ok := staticFiles()[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return pagesStaticBase + name + "?v=" + f.hash, nil
}

// StaticHandler serves the embedded web/static folder under /static/, with
// or without http.StripPrefix("/static/", …) around it. A
// request with the ?v= of the current content is cached for a year; others
// for five minutes.
func StaticHandler() http.Handler {
	files := staticFiles()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// Mounted as is or under http.StripPrefix: either way the name is
		// what follows /static/.
		name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, pagesStaticBase), "/")
		f, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+f.hash+`"`)
		if r.URL.Query().Get("v") == f.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300")
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}
