package controller

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/stats"
)

// StatsConfig is the [stats] section: the office's wait target, and when a
// long wait raises the live alert.
type StatsConfig struct {
	Target      time.Duration // most visitors should be called within this…
	TargetShare float64       // … this share of them
	AlertAfter  time.Duration // a service's longest wait past this raises the live alert
}

// DefaultStatsConfig: 85% called within 15 minutes; an alert after 30.
func DefaultStatsConfig() StatsConfig {
	return StatsConfig{Target: 15 * time.Minute, TargetShare: 0.85, AlertAfter: 30 * time.Minute}
}

type rawStats struct {
	Target      string  `toml:"target"`
	TargetShare float64 `toml:"target_share"`
	AlertAfter  string  `toml:"alert_after"`
}

func (s StatsConfig) raw() rawStats {
	return rawStats{Target: s.Target.String(), TargetShare: s.TargetShare, AlertAfter: s.AlertAfter.String()}
}

func (r rawStats) convert(p *configProblems) StatsConfig {
	s := DefaultStatsConfig()
	s.TargetShare = r.TargetShare
	for _, d := range []struct {
		field, val string
		to         *time.Duration
	}{{"stats.target", r.Target, &s.Target}, {"stats.alert_after", r.AlertAfter, &s.AlertAfter}} {
		v, err := time.ParseDuration(d.val)
		if err != nil {
			p.addf(d.field, "%q is not a duration like \"15m\" or \"1h\"", d.val)
			continue
		}
		*d.to = v
	}
	return s
}

// maxStatsDuration bounds the target and the alert: a wait of a working day.
const maxStatsDuration = 12 * time.Hour

func (s StatsConfig) validate() []error {
	var p configProblems
	if s.Target <= 0 || s.Target > maxStatsDuration {
		p.addf("stats.target", "%s is not more than 0s and at most %s", s.Target, maxStatsDuration)
	}
	if !(s.TargetShare > 0 && s.TargetShare <= 1) {
		p.addf("stats.target_share", "%v is not a share above 0 and at most 1 (0.85 is 85%%)", s.TargetShare)
	}
	if s.AlertAfter <= 0 || s.AlertAfter > maxStatsDuration {
		p.addf("stats.alert_after", "%s is not more than 0s and at most %s", s.AlertAfter, maxStatsDuration)
	}
	return p.errs
}

// maxReportDays is the longest range the manager's page computes at once.
const maxReportDays = 366

// opsPage is what the staff's pages (/manager, /devices) show: a refusal,
// a mistake in the request, or the page's own data.
type opsPage struct {
	Staff   *opsStaff  // the clerk logged in, for the header
	Denied  *opsDenied // not logged in (401) or not allowed (403)
	Error   string     // what is wrong with the request (400, 403)
	Manager *managerPageData
	Devices *devicesPageData
}

type opsStaff struct {
	Name    string
	Manager bool // sees the link to /manager
}

type opsDenied struct {
	Heading, Message string
	LoginURL         string // the clerk terminal's login, back here after it; empty for 403
}

// Ops renders the page named page ("manager" or "devices") with status.
func (p *Pages) Ops(w http.ResponseWriter, r *http.Request, lang, page string, status int, o *opsPage) {
	d := p.data(lang, page)
	d.Ops = o
	d.Title = d.text["mgr.title"]
	if page == "devices" {
		d.Title = d.text["dev.title"]
	}
	switch {
	case o.Denied != nil:
		d.Title = o.Denied.Heading
	case o.Manager != nil && o.Manager.LocationName != "" && o.Error == "":
		d.Title += " – " + o.Manager.LocationName
	}
	if o.Error != "" {
		d.Title = d.text["ops.title.error"] + " " + d.Title
	}
	p.render(w, status, d)
}

func (c *Controller) staff(k Clerk) *opsStaff {
	return &opsStaff{Name: k.Name, Manager: k.Manager || k.Admin}
}

// opsDenied answers a staff page's request that has no valid session: 401
// and a link to the clerk terminal's login, which leads back here. Other
// errors (the store failed) are 500.
func (c *Controller) opsDenied(w http.ResponseWriter, r *http.Request, lang, page string, err error) {
	if status := errorStatus(err); status != http.StatusUnauthorized {
		c.log.Error("staff page", "route", r.Pattern, "err", err)
		c.pages.Error(w, r, lang, status, "")
		return
	}
	text := pageTexts[pageLang(lang)]
	next := r.URL.Path
	if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	c.pages.Ops(w, r, lang, page, http.StatusUnauthorized, &opsPage{Denied: &opsDenied{
		Heading: text["ops.login.heading"], Message: text["ops.login.text"],
		LoginURL: "/clerk?next=" + url.QueryEscape(next),
	}})
}

// opsError answers a staff page's request that asks for what it cannot
// have, with status and msg.
func (c *Controller) opsError(w http.ResponseWriter, r *http.Request, lang, page string, k Clerk, status int, msg string) {
	c.pages.Ops(w, r, lang, page, status, &opsPage{Staff: c.staff(k), Error: msg})
}

// managerClerk is the clerk of the request's session when the clerk is a
// manager (or an admin); otherwise it answers 401 or 403 and is false.
func (c *Controller) managerClerk(w http.ResponseWriter, r *http.Request, lang string) (Clerk, bool) {
	_, k, err := c.clerkSession(r)
	if err != nil {
		c.opsDenied(w, r, lang, "manager", err)
		return Clerk{}, false
	}
	if !k.Manager && !k.Admin {
		text := pageTexts[pageLang(lang)]
		c.pages.Ops(w, r, lang, "manager", http.StatusForbidden, &opsPage{Staff: c.staff(k), Denied: &opsDenied{
			Heading: text["forbidden.heading"], Message: text["mgr.notManager"],
		}})
		return Clerk{}, false
	}
	return k, true
}

// managerQuery is what the manager asks for: a location and a range of its
// local dates, both inclusive.
type managerQuery struct {
	Loc      *queue.Location
	From, To string
	Days     int
	Today    string // the location's date now
	// As typed, to show the form again.
	RawLocation, RawFrom, RawTo string
}

// badInput is a request the manager's page refuses, with its status and a
// message in the page's language.
type badInput struct {
	status int
	field  string // the form's field at fault: location, from, to, or "" for the range
	msg    string
}

// parseManagerQuery reads ?location=&from=&to=. The location defaults to
// the first one clerk k works at, the range to today there; one date alone
// is that day.
func (c *Controller) parseManagerQuery(r *http.Request, k Clerk, text map[string]string) (managerQuery, *badInput) {
	v := r.URL.Query()
	q := managerQuery{
		RawLocation: strings.TrimSpace(v.Get("location")),
		RawFrom:     strings.TrimSpace(v.Get("from")),
		RawTo:       strings.TrimSpace(v.Get("to")),
	}
	if q.RawLocation == "" {
		locs := c.clerkLocations(k)
		if len(locs) == 0 {
			return q, &badInput{http.StatusForbidden, "location", text["ops.err.noLocations"]}
		}
		q.Loc = locs[0]
	} else {
		l, ok := c.location(q.RawLocation)
		if !ok {
			return q, &badInput{http.StatusBadRequest, "location", fillText(text["ops.err.location"], "{id}", q.RawLocation)}
		}
		if !mayWorkAt(k, l.ID) {
			return q, &badInput{http.StatusForbidden, "location", fillText(text["ops.err.notYours"], "{name}", l.Name)}
		}
		q.Loc = l
	}
	q.Today = c.clock.Now().In(q.Loc.TZ).Format(time.DateOnly)
	q.From, q.To = q.RawFrom, q.RawTo
	switch {
	case q.From == "" && q.To == "":
		q.From, q.To = q.Today, q.Today
	case q.From == "":
		q.From = q.To
	case q.To == "":
		q.To = q.From
	}
	from, err := time.Parse(time.DateOnly, q.From)
	if err != nil {
		return q, &badInput{http.StatusBadRequest, "from", fillText(text["ops.err.date"], "{value}", q.From, "{field}", text["mgr.from"])}
	}
	to, err := time.Parse(time.DateOnly, q.To)
	if err != nil {
		return q, &badInput{http.StatusBadRequest, "to", fillText(text["ops.err.date"], "{value}", q.To, "{field}", text["mgr.to"])}
	}
	if to.Before(from) {
		return q, &badInput{http.StatusBadRequest, "to", fillText(text["ops.err.order"], "{from}", q.From, "{to}", q.To)}
	}
	q.Days = int(to.Sub(from)/(24*time.Hour)) + 1
	if q.Days > maxReportDays {
		return q, &badInput{http.StatusBadRequest, "from", fillText(text["ops.err.range"], "{days}", strconv.Itoa(q.Days), "{max}", strconv.Itoa(maxReportDays))}
	}
	return q, nil
}

// report replays the location's event log into the visits of the range
// and their figures, with the services' names in lang.
func (c *Controller) report(q managerQuery, lang string) (stats.Report, []stats.Visit, error) {
	rp := stats.Replay{From: q.From, To: q.To}
	if err := c.db.Events(q.Loc.ID, 0, rp.Apply); err != nil {
		return stats.Report{}, nil, fmt.Errorf("report of %s: %w", q.Loc.ID, err)
	}
	visits := rp.Visits()
	names := map[string]string{}
	for _, s := range c.pages.services(lang, servedSet(c.cfg.Branch, q.Loc.ID)) {
		names[s.Prefix] = s.Name
	}
	rep := stats.Compute(visits, stats.Options{
		TZ: q.Loc.TZ, From: q.From, To: q.To,
		Target: c.cfg.Stats.Target, TargetShare: c.cfg.Stats.TargetShare,
		ServiceNames: names,
	})
	return rep, visits, nil
}

func servedSet(b queue.Branch, loc string) map[string]bool {
	m := map[string]bool{}
	for _, s := range servedAt(b, loc) {
		m[s] = true
	}
	return m
}

// managerPageData is the /manager page.
type managerPageData struct {
	Locations    []pageLocationChoice
	Location     string // chosen
	LocationName string
	From, To     string // as in the form
	Invalid      string // the field the error is about: location, from or to
	Ranges       []quickRange
	Alerts       []string // live: services waiting too long now
	AlertAfter   string   // "30 min"
	Report       *managerReport
}

type pageLocationChoice struct {
	ID, Name string
	Selected bool
}

type quickRange struct {
	Text, URL string
	Current   bool
}

// managerReport is a stats.Report in the page's words.
type managerReport struct {
	Period       string // "24.11.2026", or "1.11.2026 – 30.11.2026 (30 dni)"
	AsOf         string // "Stan na godz. 12:03" when the range reaches today
	Target       string // "15 min"
	TargetShare  string // "85%"
	Services     []figureRow
	Total        figureRow
	CounterTable staffTable
	ClerkTable   staffTable
	HoursChart   template.HTML // inline SVG
	WaitChart    template.HTML
	ReportCSV    string
	VisitsCSV    string
}

type figureRow struct {
	Prefix, Name                     string
	Quiet                            bool // nothing happened: shown dimmed
	Issued, Served                   int
	WaitMedian, WaitP90, ServiceTime string
	Within                           string // "50% (1 z 2)", or "–"
	Met                              string // "cel osiągnięty" or "poniżej celu", or ""
	MetOK                            bool
	NoShows, Missed, Cancelled       int
	Expired, Open                    int
	Booked, Kept, BookedMissed       int
	BookedCancelled, BookedPending   int
}

// staffTable is what the counters or the clerks did.
type staffTable struct {
	ID, Caption, Who, Served, Time, None string // the table's id and texts
	Rows                                 []staffRow
}

type staffRow struct {
	Name        string
	Served      int
	ServiceTime string
}

// managerPage is the manager's statistics of a location for a day or a
// range of days, with the live alert on top.
func (c *Controller) managerPage(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(c.lang(w, r))
	text := pageTexts[lang]
	k, ok := c.managerClerk(w, r, lang)
	if !ok {
		return
	}
	q, bad := c.parseManagerQuery(r, k, text)
	data := &managerPageData{From: q.RawFrom, To: q.RawTo, AlertAfter: opsDuration(c.cfg.Stats.AlertAfter)}
	for _, l := range c.clerkLocations(k) {
		data.Locations = append(data.Locations, pageLocationChoice{ID: l.ID, Name: l.Name, Selected: q.Loc != nil && l.ID == q.Loc.ID})
	}
	if bad != nil {
		data.Invalid = bad.field
		if q.Loc != nil {
			data.Location, data.LocationName = q.Loc.ID, q.Loc.Name
		}
		c.pages.Ops(w, r, lang, "manager", bad.status, &opsPage{Staff: c.staff(k), Error: bad.msg, Manager: data})
		return
	}
	data.Location, data.LocationName, data.From, data.To = q.Loc.ID, q.Loc.Name, q.From, q.To
	data.Ranges = quickRanges(q, text)
	alerts, _, err := c.liveAlerts(q.Loc.ID)
	if err != nil {
		c.opsFailed(w, r, lang, err)
		return
	}
	for _, a := range alerts {
		data.Alerts = append(data.Alerts, c.alertText(a, lang))
	}
	rep, _, err := c.report(q, lang)
	if err != nil {
		c.opsFailed(w, r, lang, err)
		return
	}
	data.Report = c.managerReport(rep, q, lang)
	c.pages.Ops(w, r, lang, "manager", http.StatusOK, &opsPage{Staff: c.staff(k), Manager: data})
}

func (c *Controller) opsFailed(w http.ResponseWriter, r *http.Request, lang string, err error) {
	c.log.Error("staff page", "route", r.Pattern, "err", err)
	c.pages.Error(w, r, lang, http.StatusInternalServerError, "")
}

// quickRanges are links to today, the last 7 and the last 30 days.
func quickRanges(q managerQuery, text map[string]string) []quickRange {
	today, _ := time.Parse(time.DateOnly, q.Today)
	var out []quickRange
	for _, qr := range []struct {
		key  string
		days int
	}{{"mgr.range.today", 1}, {"mgr.range.week", 7}, {"mgr.range.month", 30}} {
		from := today.AddDate(0, 0, -(qr.days - 1)).Format(time.DateOnly)
		v := url.Values{"location": {q.Loc.ID}, "from": {from}, "to": {q.Today}}
		out = append(out, quickRange{Text: text[qr.key], URL: "/manager?" + v.Encode(), Current: q.From == from && q.To == q.Today})
	}
	return out
}

// managerReport puts rep in the words of lang.
func (c *Controller) managerReport(rep stats.Report, q managerQuery, lang string) *managerReport {
	text := pageTexts[lang]
	m := &managerReport{
		Target:      opsDuration(rep.Target),
		TargetShare: percent(rep.TargetShare, lang),
	}
	if q.From == q.To {
		m.Period = fillText(text["mgr.period.day"], "{date}", opsDate(q.From, lang))
	} else {
		m.Period = fillText(text["mgr.period.range"], "{from}", opsDate(q.From, lang), "{to}", opsDate(q.To, lang), "{days}", strconv.Itoa(q.Days))
	}
	if q.To >= q.Today {
		m.AsOf = fillText(text["mgr.asof"], "{time}", c.clock.Now().In(q.Loc.TZ).Format("15:04"))
	}
	for _, f := range rep.Services {
		m.Services = append(m.Services, figureRowOf(f, text, lang))
	}
	m.Total = figureRowOf(rep.Total, text, lang)
	m.Total.Name = text["mgr.total"]
	m.CounterTable = staffTable{ID: "counters", Caption: text["mgr.counters.caption"], Who: text["mgr.col.counter"],
		Served: text["mgr.col.served"], Time: text["mgr.col.serviceTime"], None: text["mgr.counters.none"]}
	m.ClerkTable = staffTable{ID: "clerks", Caption: text["mgr.clerks.caption"], Who: text["mgr.col.clerk"],
		Served: text["mgr.col.served"], Time: text["mgr.col.serviceTime"], None: text["mgr.clerks.none"]}
	for _, s := range rep.Counters {
		m.CounterTable.Rows = append(m.CounterTable.Rows, staffRow{Name: fillText(text["mgr.counter"], "{n}", strconv.Itoa(s.Counter)), Served: s.Served, ServiceTime: median(s.ServiceTime)})
	}
	for _, s := range rep.Clerks {
		name := s.Clerk
		if k, ok := c.cfg.Clerk(s.Clerk); ok {
			name = k.Name
		}
		m.ClerkTable.Rows = append(m.ClerkTable.Rows, staffRow{Name: name, Served: s.Served, ServiceTime: median(s.ServiceTime)})
	}
	m.HoursChart, m.WaitChart = charts(rep, text)
	v := url.Values{"location": {q.Loc.ID}, "from": {q.From}, "to": {q.To}}
	m.ReportCSV = "/manager/report.csv?" + v.Encode()
	m.VisitsCSV = "/manager/visits.csv?" + v.Encode()
	return m
}

func figureRowOf(f stats.Figures, text map[string]string, lang string) figureRow {
	row := figureRow{
		Prefix: f.Service, Name: f.Name, Issued: f.Issued, Served: f.Served,
		WaitMedian: median(f.Wait), WaitP90: dash(f.Wait.OK(), f.Wait.P90), ServiceTime: median(f.ServiceTime),
		Within:  "–",
		NoShows: f.NoShows, Missed: f.Missed, Cancelled: f.Cancelled, Expired: f.Expired, Open: f.Open,
		Booked: f.Booked.Booked, Kept: f.Booked.Kept, BookedMissed: f.Booked.Missed,
		BookedCancelled: f.Booked.Cancelled, BookedPending: f.Booked.Pending,
	}
	row.Quiet = f.Issued == 0 && f.Booked.Booked == 0
	if share, ok := f.WithinTarget.Value(); ok {
		row.Within = percent(share, lang) + " " + fillText(text["mgr.of"], "{n}", strconv.Itoa(f.WithinTarget.Within), "{of}", strconv.Itoa(f.WithinTarget.Of))
		row.MetOK, _ = f.WithinTarget.Met()
		row.Met = text["mgr.met.no"]
		if row.MetOK {
			row.Met = text["mgr.met.yes"]
		}
	}
	return row
}

func median(s stats.Summary) string { return dash(s.OK(), s.Median) }

func dash(ok bool, d time.Duration) string {
	if !ok {
		return "–"
	}
	return opsDuration(d)
}

// percent says a share as a percentage, with one decimal when it is not
// whole (84.6% must not read as the 85% it misses), in the decimal mark of
// lang.
func percent(share float64, lang string) string {
	p := share * 100
	s := strconv.FormatFloat(p, 'f', 1, 64)
	if r := float64(int64(p + 0.5)); p-r < 0.05 && r-p < 0.05 {
		s = strconv.FormatInt(int64(r), 10)
	}
	if lang == "pl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

// opsDate writes a date "2006-01-02" as Poles ("24.11.2026") or the English
// ("24 Nov 2026") read it.
func opsDate(date, lang string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	if lang == "pl" {
		return d.Format("02.01.2006")
	}
	return d.Format("2 Jan 2006")
}

// charts draws the tickets per hour and the spread of the waits, with
// their titles and descriptions in the page's language.
func charts(rep stats.Report, text map[string]string) (hours, waits template.HTML) {
	labels, series := stats.PerHourSeries(rep)
	desc := text["mgr.nodata"]
	if len(labels) > 0 {
		peak, at := 0, 0
		for h, n := range rep.Total.PerHour {
			if n > peak {
				peak, at = n, h
			}
		}
		desc = fillText(text["mgr.chart.hours.desc"], "{n}", strconv.Itoa(rep.Total.Issued), "{hour}", fmt.Sprintf("%02d", at), "{max}", strconv.Itoa(peak))
	}
	hc := stats.Chart{
		Title: text["mgr.chart.hours"], Desc: desc, XLabel: text["mgr.chart.hour"], YLabel: text["mgr.chart.tickets"],
		Labels: labels, Series: series, Stacked: true, NoData: text["mgr.nodata"], ID: "chart-hours",
	}
	wc := stats.HistogramChart(rep.Total.Wait.Values, 5*time.Minute, rep.Target)
	wc.Title, wc.YLabel, wc.NoData, wc.ID = text["mgr.chart.waits"], text["mgr.chart.clients"], text["mgr.nodata"], "chart-waits"
	wc.Desc = text["mgr.nodata"]
	if rep.Total.Wait.OK() {
		wc.Desc = fillText(text["mgr.chart.waits.desc"], "{target}", opsDuration(rep.Target),
			"{median}", opsDuration(rep.Total.Wait.Median), "{p90}", opsDuration(rep.Total.Wait.P90))
	}
	// The charts are drawn by package stats, which escapes every text.
	return template.HTML(hc.SVG()), template.HTML(wc.SVG())
}

// The CSV exports: the report in the long format of stats.WriteReportCSV
// and the visit log of stats.WriteVisitsCSV, with a byte-order mark so
// that Excel reads them as UTF-8.

func (c *Controller) managerReportCSV(w http.ResponseWriter, r *http.Request) {
	c.managerCSV(w, r, "report", func(buf *bytes.Buffer, rep stats.Report, visits []stats.Visit, q managerQuery) error {
		return stats.WriteReportCSV(buf, rep)
	})
}

func (c *Controller) managerVisitsCSV(w http.ResponseWriter, r *http.Request) {
	c.managerCSV(w, r, "visits", func(buf *bytes.Buffer, rep stats.Report, visits []stats.Visit, q managerQuery) error {
		return stats.WriteVisitsCSV(buf, visits, q.Loc.TZ)
	})
}

// managerCSV answers a CSV export named what: a manager's session and the
// page's query are needed; problems are plain text with their status.
func (c *Controller) managerCSV(w http.ResponseWriter, r *http.Request, what string, write func(*bytes.Buffer, stats.Report, []stats.Visit, managerQuery) error) {
	lang := pageLang(c.lang(w, r))
	text := pageTexts[lang]
	_, k, err := c.clerkSession(r)
	if err != nil {
		status := errorStatus(err)
		if status >= 500 {
			c.log.Error("csv export", "route", r.Pattern, "err", err)
			http.Error(w, text["error.text"], status)
			return
		}
		http.Error(w, text["ops.csv.login"], status)
		return
	}
	if !k.Manager && !k.Admin {
		http.Error(w, text["mgr.notManager"], http.StatusForbidden)
		return
	}
	q, bad := c.parseManagerQuery(r, k, text)
	if bad != nil {
		http.Error(w, bad.msg, bad.status)
		return
	}
	rep, visits, err := c.report(q, lang)
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	if err == nil {
		err = write(&buf, rep, visits, q)
	}
	if err != nil {
		c.log.Error("csv export", "route", r.Pattern, "err", err)
		http.Error(w, text["error.text"], http.StatusInternalServerError)
		return
	}
	name := fmt.Sprintf("numerek-%s-%s-%s_%s.csv", what, q.Loc.ID, q.From, q.To)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// The live alert: a service whose longest wait passed [stats] alert_after.

// liveAlerts are the alerts of loc now, from its waiting tickets.
func (c *Controller) liveAlerts(loc string) ([]stats.Alert, time.Time, error) {
	v, err := c.engine.View(loc)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := c.clock.Now()
	waiting := make([]stats.WaitingTicket, 0, len(v.Waiting))
	for _, t := range v.Waiting {
		waiting = append(waiting, stats.WaitingTicket{Number: t.Number, Service: t.Service, Since: t.Key})
	}
	return stats.Alerts(waiting, now, map[string]time.Duration{"": c.cfg.Stats.AlertAfter}), now, nil
}

// alertText says an alert in lang: "A – Rejestracja pojazdów: numer A001
// czeka już 31 min (próg: 30 min)".
func (c *Controller) alertText(a stats.Alert, lang string) string {
	text := pageTexts[lang]
	name := a.Service
	if s, ok := c.engine.Service(a.Service); ok {
		name = a.Service + " – " + s.Name(lang)
	}
	return fillText(text["walert.line"], "{service}", name, "{number}", a.Number,
		"{minutes}", strconv.Itoa(int(a.Waited/time.Minute)), "{limit}", strconv.Itoa(int(a.Threshold/time.Minute)))
}

type alertJSON struct {
	Service       string `json:"service"`
	NamePL        string `json:"name_pl"`
	NameEN        string `json:"name_en"`
	Number        string `json:"number"`
	WaitedNS      int64  `json:"waited_ns"`
	WaitedMinutes int    `json:"waited_minutes"`
	ThresholdNS   int64  `json:"threshold_ns"`
}

type alertsAnswer struct {
	Location     string      `json:"location"`
	AsOf         time.Time   `json:"as_of"`
	AlertAfterNS int64       `json:"alert_after_ns"`
	Alerts       []alertJSON `json:"alerts"`
}

// getAlerts is GET /api/v1/locations/{loc}/alerts: the services of loc
// whose longest wait passed the limit now. Like the view it is made from,
// it needs no credentials.
func (c *Controller) getAlerts(w http.ResponseWriter, r *http.Request) error {
	loc := r.PathValue("loc")
	if _, ok := c.location(loc); !ok {
		return queue.Errorf(queue.ENotFound, "unknown location %q", loc)
	}
	alerts, now, err := c.liveAlerts(loc)
	if err != nil {
		return err
	}
	out := alertsAnswer{Location: loc, AsOf: now.UTC(), AlertAfterNS: int64(c.cfg.Stats.AlertAfter), Alerts: []alertJSON{}}
	for _, a := range alerts {
		j := alertJSON{Service: a.Service, Number: a.Number, WaitedNS: int64(a.Waited), WaitedMinutes: int(a.Waited / time.Minute), ThresholdNS: int64(a.Threshold)}
		if s, ok := c.engine.Service(a.Service); ok {
			j.NamePL, j.NameEN = s.NamePL, s.NameEN
		}
		out.Alerts = append(out.Alerts, j)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
