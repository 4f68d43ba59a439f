package controller

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/numerek/numerek/queue"
)

// handler is an HTTP handler that returns its error; serve turns the error
// into the status and JSON of the one error table.
type handler func(w http.ResponseWriter, r *http.Request) error

func (c *Controller) serve(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, c.log, err)
		}
	}
}

// Handler returns the controller's HTTP handler: the API, the SSE streams
// and the pages.
func (c *Controller) Handler() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, h handler) { mux.Handle(pattern, c.serve(h)) }

	api("GET /healthz", c.health)
	api("GET /api/v1/locations", c.listLocations)
	api("GET /api/v1/locations/{loc}", c.getLocation)
	api("GET /api/v1/locations/{loc}/view", c.getView)
	api("GET /api/v1/locations/{loc}/events", c.streamEvents)
	api("POST /api/v1/locations/{loc}/tickets", c.issueTicket)
	api("POST /api/v1/locations/{loc}/tickets/{number}/{action}", c.ticketAction)
	api("POST /api/v1/locations/{loc}/counters/{n}/{action}", c.counterAction)
	api("GET /api/v1/tickets/{token}", c.getTicket)
	api("POST /api/v1/devices/heartbeat", c.postHeartbeat)
	api("GET /api/v1/locations/{loc}/devices", c.listDevices)
	api("GET /api/v1/locations/{loc}/alerts", c.getAlerts)
	api("GET /api/v1/session", c.getSession)
	api("POST /api/v1/session", c.login)
	api("DELETE /api/v1/session", c.logout)
	api("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return queue.Errorf(queue.ENotFound, "no API endpoint %s %s", r.Method, r.URL.Path)
	})

	mux.Handle("GET /static/", http.StripPrefix("/static/", StaticHandler()))
	mux.HandleFunc("GET /{$}", c.indexPage)
	mux.HandleFunc("GET /clerk", c.clerkPage)
	mux.HandleFunc("GET /kiosk", c.kioskPage)
	mux.HandleFunc("GET /t/{token}", c.eticketPage)
	mux.HandleFunc("POST /t/{token}/leave", c.eticketLeave)
	mux.HandleFunc("POST /t/{token}/notify", c.eticketNotify)
	mux.HandleFunc("POST /t/{token}/notify/off", c.eticketNotifyOff)
	mux.HandleFunc("GET /t/{token}/events", c.eticketEvents)
	mux.HandleFunc("GET /book", c.bookServices)
	mux.HandleFunc("GET /book/{svc}", c.bookLocations)
	mux.HandleFunc("GET /book/{svc}/{loc}", c.bookTimes)
	mux.HandleFunc("GET /book/{svc}/{loc}/{date}", c.bookTimes)
	mux.HandleFunc("POST /book/{svc}/{loc}/{date}", c.bookHold)
	mux.HandleFunc("GET /book/v/{id}", c.bookPerson)
	mux.HandleFunc("POST /book/v/{id}", c.bookPersonPost)
	mux.HandleFunc("GET /book/v/{id}/code", c.bookCode)
	mux.HandleFunc("POST /book/v/{id}/code", c.bookConfirm)
	mux.HandleFunc("POST /book/v/{id}/resend", c.bookResend)
	mux.HandleFunc("GET /book/v/{id}/done", c.bookDone)
	mux.HandleFunc("GET /dev/outbox", c.outboxPage)
	mux.HandleFunc("GET "+backupPath, c.backupDownload)
	mux.HandleFunc("GET /display/{loc}", c.displayPage)
	mux.HandleFunc("GET /display/{loc}/{counter}", c.displayPage)
	mux.HandleFunc("GET /manager", c.managerPage)
	mux.HandleFunc("GET /manager/report.csv", c.managerReportCSV)
	mux.HandleFunc("GET /manager/visits.csv", c.managerVisitsCSV)
	mux.HandleFunc("GET /devices", c.devicesPage)
	mux.HandleFunc("GET /metrics", c.metricsPage)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.pages.NotFound(w, r, c.lang(w, r), "")
	})
	return c.logRequests(secureHeaders(mux))
}

// secureHeaders sets the headers every answer carries: no sniffing, no
// framing, no referrer (e-ticket URLs hold a token), and a content security
// policy that allows only our own scripts and styles.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests logs each request by its route pattern, never its path: paths
// can hold e-ticket tokens. It also times it for /metrics.
func (c *Controller) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		took := time.Since(start)
		c.metrics.observeHTTP(r.Pattern, sw.status, took, sw.Header().Get("Content-Type"))
		c.log.Log(r.Context(), level, "http", "method", r.Method, "route", r.Pattern, "status", sw.status, "took", took)
	})
}

func (c *Controller) health(w http.ResponseWriter, r *http.Request) error {
	type loc struct {
		ID   string `json:"id"`
		Seq  uint64 `json:"seq"`
		Open bool   `json:"open"`
	}
	out := struct {
		Status    string    `json:"status"`
		Time      time.Time `json:"time"`
		Locations []loc     `json:"locations"`
	}{Status: "ok", Time: c.clock.Now().UTC()}
	for _, l := range c.cfg.Branch.Locations {
		v, err := c.engine.View(l.ID)
		if err != nil {
			return err
		}
		out.Locations = append(out.Locations, loc{ID: l.ID, Seq: v.Seq, Open: v.Open})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// locationInfo is a location as the API lists it.
type locationInfo struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Address  string        `json:"address"`
	Timezone string        `json:"timezone"`
	Open     bool          `json:"open"`
	Hours    string        `json:"hours"`
	Voice    bool          `json:"voice"`
	Services []serviceInfo `json:"services"`
	Counters []counterInfo `json:"counters"`
}

type serviceInfo struct {
	Prefix   string `json:"prefix"`
	NamePL   string `json:"name_pl"`
	NameEN   string `json:"name_en"`
	Bookable bool   `json:"bookable"`
	Minutes  int    `json:"minutes"`
}

type counterInfo struct {
	Number   int      `json:"number"`
	Services []string `json:"services"`
	Accepts  string   `json:"accepts"`
}

func (c *Controller) locationInfo(id string) (locationInfo, error) {
	l, ok := c.location(id)
	if !ok {
		return locationInfo{}, queue.Errorf(queue.ENotFound, "unknown location %q", id)
	}
	v, err := c.engine.View(id)
	if err != nil {
		return locationInfo{}, err
	}
	info := locationInfo{ID: l.ID, Name: l.Name, Address: l.Address, Timezone: l.TZ.String(), Open: v.Open, Hours: v.Hours, Voice: l.Voice}
	for _, s := range v.Services {
		svc, _ := c.engine.Service(s.Prefix)
		info.Services = append(info.Services, serviceInfo{Prefix: s.Prefix, NamePL: s.NamePL, NameEN: s.NameEN, Bookable: s.Bookable, Minutes: int(svc.Duration.Minutes())})
	}
	for _, k := range c.cfg.Branch.Counters {
		if k.Location == id {
			acc := string(k.Accepts)
			if acc == "" {
				acc = string(queue.AcceptsBoth)
			}
			info.Counters = append(info.Counters, counterInfo{Number: k.Number, Services: k.Services, Accepts: acc})
		}
	}
	return info, nil
}

func (c *Controller) listLocations(w http.ResponseWriter, r *http.Request) error {
	out := []locationInfo{}
	for _, l := range c.cfg.Branch.Locations {
		info, err := c.locationInfo(l.ID)
		if err != nil {
			return err
		}
		out = append(out, info)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (c *Controller) getLocation(w http.ResponseWriter, r *http.Request) error {
	info, err := c.locationInfo(r.PathValue("loc"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

func (c *Controller) getView(w http.ResponseWriter, r *http.Request) error {
	v, err := c.engine.View(r.PathValue("loc"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// streamEvents is the SSE stream of a location. What it carries is what the
// hall's screens show to everyone, so it needs no credentials.
func (c *Controller) streamEvents(w http.ResponseWriter, r *http.Request) error {
	loc := r.PathValue("loc")
	if _, ok := c.location(loc); !ok {
		return queue.Errorf(queue.ENotFound, "unknown location %q", loc)
	}
	c.hub.Serve(w, r, loc, func() (queue.View, error) { return c.engine.View(loc) })
	return nil
}

// ticketAnswer is the JSON of an issued ticket: no token but inside the
// e-ticket URL, meant for the holder only.
type ticketAnswer struct {
	Ticket     ticketJSON `json:"ticket"`
	Ahead      int        `json:"ahead"`
	EstimateNS int64      `json:"estimate_ns"` // expected
	LowNS      int64      `json:"estimate_low_ns"`
	HighNS     int64      `json:"estimate_high_ns"`
	Estimate   int        `json:"estimate_minutes"`
	ETicketURL string     `json:"eticket_url,omitempty"`
	Repeated   bool       `json:"repeated,omitempty"`
}

type ticketJSON struct {
	ID          string       `json:"id"`
	Number      string       `json:"number"`
	Service     string       `json:"service"`
	ServiceName string       `json:"service_name"`
	Location    string       `json:"location"`
	Day         string       `json:"day"`
	Kind        queue.Kind   `json:"kind"`
	Status      queue.Status `json:"status"`
	Key         time.Time    `json:"key"`
	Issued      time.Time    `json:"issued"`
	Counter     int          `json:"counter,omitempty"`
	Calls       int          `json:"calls,omitempty"`
}

func (c *Controller) ticketJSON(t queue.Ticket) ticketJSON {
	name := ""
	if s, ok := c.engine.Service(t.Service); ok {
		name = s.NamePL
	}
	return ticketJSON{ID: t.ID, Number: t.Number, Service: t.Service, ServiceName: name, Location: t.Location, Day: t.Day,
		Kind: t.Kind, Status: t.Status, Key: t.Key, Issued: t.Issued, Counter: t.Counter, Calls: t.Calls}
}

// ETicketURL is the address the ticket's QR code opens.
func (c *Controller) ETicketURL(token string) string {
	return strings.TrimRight(c.cfg.PublicURL, "/") + "/t/" + url.PathEscape(token)
}

type issueRequest struct {
	Service        string `json:"service"`
	IdempotencyKey string `json:"idempotency_key"`
}

func (c *Controller) issueTicket(w http.ResponseWriter, r *http.Request) error {
	loc := r.PathValue("loc")
	if _, ok := c.location(loc); !ok {
		return queue.Errorf(queue.ENotFound, "unknown location %q", loc)
	}
	if _, err := c.authorizeDevice(r, loc, RoleDispenser, RoleKiosk); err != nil {
		return err
	}
	var req issueRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Service == "" {
		return queue.Errorf(queue.EInvalid, "field \"service\" is missing")
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = req.IdempotencyKey
	} else if req.IdempotencyKey != "" && req.IdempotencyKey != key {
		return queue.Errorf(queue.EInvalid, "Idempotency-Key header and idempotency_key field differ")
	}
	is, err := c.engine.Issue(r.Context(), queue.IssueRequest{Location: loc, Service: req.Service, IdempotencyKey: key})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if is.Repeated {
		status = http.StatusOK
	}
	a := c.ticketAnswer(is.Ticket, is.Ahead, is.Estimate)
	a.ETicketURL, a.Repeated = c.ETicketURL(is.Ticket.Token), is.Repeated
	writeJSON(w, status, a)
	return nil
}

func (c *Controller) ticketAnswer(t queue.Ticket, ahead int, est queue.Estimate) ticketAnswer {
	return ticketAnswer{
		Ticket: c.ticketJSON(t), Ahead: ahead, Estimate: minutes(est.Expected),
		EstimateNS: int64(est.Expected), LowNS: int64(est.Low), HighNS: int64(est.High),
	}
}

func minutes(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }

// getTicket is the e-ticket's JSON: the token in the path is the only key.
func (c *Controller) getTicket(w http.ResponseWriter, r *http.Request) error {
	ts, ok := c.engine.TicketByToken(r.PathValue("token"))
	if !ok {
		return queue.Errorf(queue.ENotFound, "no such ticket")
	}
	writeJSON(w, http.StatusOK, c.ticketAnswer(ts.Ticket, ts.Ahead, ts.Estimate))
	return nil
}

// clerkAt authorises a clerk's state-changing request at location loc.
func (c *Controller) clerkAt(r *http.Request, loc string) (*session, Clerk, error) {
	s, k, err := c.clerkSession(r)
	if err != nil {
		return nil, Clerk{}, err
	}
	if err := checkCSRF(r, s); err != nil {
		return nil, Clerk{}, err
	}
	if _, ok := c.location(loc); !ok {
		return nil, Clerk{}, queue.Errorf(queue.ENotFound, "unknown location %q", loc)
	}
	if !mayWorkAt(k, loc) {
		return nil, Clerk{}, queue.Errorf(queue.EForbidden, "clerk %s does not work at %s", k.Login, loc)
	}
	return s, k, nil
}

func mayWorkAt(k Clerk, loc string) bool {
	if len(k.Locations) == 0 {
		return true
	}
	for _, l := range k.Locations {
		if l == loc {
			return true
		}
	}
	return false
}

type transferRequest struct {
	Service string `json:"service"`
}

type callRequest struct {
	Number string `json:"number"`
}

// counterAction runs a clerk's button at a counter.
func (c *Controller) counterAction(w http.ResponseWriter, r *http.Request) error {
	loc, action := r.PathValue("loc"), r.PathValue("action")
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return queue.Errorf(queue.EInvalid, "counter number %q is not a positive whole number", r.PathValue("n"))
	}
	s, k, err := c.clerkAt(r, loc)
	if err != nil {
		return err
	}
	ref := queue.CounterRef{Location: loc, Number: n}
	ctx := r.Context()
	// A clerk works at the counter of the session; an admin may also close
	// another's, say one left open by a clerk who went home.
	if action != "open" && (s.Counter == nil || *s.Counter != ref) && !(action == "close" && k.Admin) {
		if s.Counter == nil {
			return queue.Errorf(queue.EConflict, "take a counter first")
		}
		return queue.Errorf(queue.EForbidden, "you are at counter %d at %s, not counter %d at %s", s.Counter.Number, s.Counter.Location, n, loc)
	}
	held := ref
	held.Clerk = k.Login
	var t queue.Ticket
	switch action {
	case "open":
		if s.Counter != nil && *s.Counter != ref {
			return queue.Errorf(queue.EConflict, "you are at counter %d at %s: leave it first", s.Counter.Number, s.Counter.Location)
		}
		if err := c.engine.OpenCounter(ctx, ref, k.Login); err != nil {
			return err
		}
		s.Counter = &ref
		if err := c.saveSession(s); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c.sessionAnswer(s, k))
		return nil
	case "close":
		// A counter closed already (at midnight, by an admin) still frees
		// the session; one with a client at it does not close.
		err := c.engine.CloseCounter(ctx, ref)
		if err != nil && (queue.ErrorCode(err) != queue.EConflict || c.counterHasClient(ref)) {
			return err
		}
		if s.Counter == nil || *s.Counter != ref {
			writeJSON(w, http.StatusOK, c.sessionAnswer(s, k)) // an admin closed another's counter
			return nil
		}
		s.Counter = nil
		if err := c.saveSession(s); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c.sessionAnswer(s, k))
		return nil
	case "call-next":
		t, err = c.engine.CallNext(ctx, held)
	case "recall":
		t, err = c.engine.Recall(ctx, held)
	case "no-show":
		t, err = c.engine.NoShow(ctx, held)
	case "came":
		t, err = c.engine.ClientCame(ctx, held)
	case "finish":
		t, err = c.engine.Finish(ctx, held)
	case "transfer":
		var req transferRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		if req.Service == "" {
			return queue.Errorf(queue.EInvalid, "field \"service\" is missing")
		}
		t, err = c.engine.Transfer(ctx, held, req.Service)
	case "call":
		var req callRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		t, err = c.engine.CallNumber(ctx, held, strings.ToUpper(strings.TrimSpace(req.Number)))
	default:
		return queue.Errorf(queue.ENotFound, "unknown counter action %q", action)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": c.ticketJSON(t)})
	return nil
}

// counterHasClient reports whether closing failed because of a client at the
// counter (and not because it was closed already).
func (c *Controller) counterHasClient(ref queue.CounterRef) bool {
	v, err := c.engine.View(ref.Location)
	if err != nil {
		return false
	}
	for _, cv := range v.Counters {
		if cv.Number == ref.Number {
			return cv.Current != nil
		}
	}
	return false
}

// ticketAction is a clerk's action on a ticket by number: cancel or restore.
func (c *Controller) ticketAction(w http.ResponseWriter, r *http.Request) error {
	loc, number, action := r.PathValue("loc"), strings.ToUpper(r.PathValue("number")), r.PathValue("action")
	if _, _, err := c.clerkAt(r, loc); err != nil {
		return err
	}
	var (
		t   queue.Ticket
		err error
	)
	switch action {
	case "cancel":
		t, err = c.engine.Cancel(r.Context(), loc, number)
	case "restore":
		t, err = c.engine.Restore(r.Context(), loc, number)
	default:
		return queue.Errorf(queue.ENotFound, "unknown ticket action %q", action)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": c.ticketJSON(t)})
	return nil
}

// sessionAnswer is what the clerk terminal learns of its session.
type sessionAnswer struct {
	Clerk struct {
		Login     string   `json:"login"`
		Name      string   `json:"name"`
		Locations []string `json:"locations"`
	} `json:"clerk"`
	CSRF    string            `json:"csrf"`
	Counter *queue.CounterRef `json:"counter"`
}

func (c *Controller) sessionAnswer(s *session, k Clerk) sessionAnswer {
	var a sessionAnswer
	a.Clerk.Login, a.Clerk.Name = k.Login, k.Name
	a.Clerk.Locations = k.Locations
	if len(a.Clerk.Locations) == 0 {
		for _, l := range c.cfg.Branch.Locations {
			a.Clerk.Locations = append(a.Clerk.Locations, l.ID)
		}
	}
	a.CSRF, a.Counter = s.CSRF, s.Counter
	return a
}

func (c *Controller) getSession(w http.ResponseWriter, r *http.Request) error {
	s, k, err := c.clerkSession(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.sessionAnswer(s, k))
	return nil
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (c *Controller) login(w http.ResponseWriter, r *http.Request) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Login == "" || req.Password == "" {
		return queue.Errorf(queue.EInvalid, "login and password are needed")
	}
	now := c.clock.Now()
	if !c.logins.Allow("ip:"+clientIP(r), now) || !c.logins.Allow("login:"+req.Login, now) {
		return queue.Errorf(ERateLimited, "too many login attempts: wait a minute")
	}
	k, ok := c.checkPassword(req.Login, req.Password)
	if !ok {
		c.log.Info("login failed", "login", req.Login, "ip", clientIP(r))
		return queue.Errorf(queue.EUnauthorized, "wrong login or password")
	}
	cookie := randomToken(32)
	s := &session{Login: k.Login, CSRF: randomToken(24), Expires: now.Add(time.Duration(c.cfg.SessionHours) * time.Hour), id: sessionKey(cookie)}
	if err := c.saveSession(s); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: cookie, Path: "/", Expires: s.Expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	c.log.Info("login", "login", k.Login)
	writeJSON(w, http.StatusOK, c.sessionAnswer(s, k))
	return nil
}

// logout ends the session and frees the clerk's counter, if nobody is at it.
func (c *Controller) logout(w http.ResponseWriter, r *http.Request) error {
	s, _, err := c.clerkSession(r)
	if err != nil {
		return err
	}
	if err := checkCSRF(r, s); err != nil {
		return err
	}
	if s.Counter != nil {
		if err := c.engine.CloseCounter(r.Context(), *s.Counter); err != nil && c.counterHasClient(*s.Counter) {
			return err
		}
	}
	if err := c.db.DeleteSession(s.id); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// lang is the page language: ?lang= (remembered in a cookie), the cookie, or
// Polish.
func (c *Controller) lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "pl" || l == "en" {
		SetLang(w, l)
		return l
	}
	return Lang(r)
}

func (c *Controller) indexPage(w http.ResponseWriter, r *http.Request) {
	c.pages.Index(w, r, c.lang(w, r))
}

func (c *Controller) clerkPage(w http.ResponseWriter, r *http.Request) {
	c.pages.Clerk(w, r, c.lang(w, r))
}

// kioskPage is the touch-screen ticket machine. Opened once as
// /kiosk?token=<device token>, it keeps the token in a cookie and sends the
// browser on to /kiosk, so the token does not stay in the address bar.
func (c *Controller) kioskPage(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	if tok := r.URL.Query().Get("token"); tok != "" {
		d, ok := c.cfg.Device(HashToken(tok))
		if !ok || (d.Role != RoleKiosk && d.Role != RoleDispenser) {
			c.pages.Error(w, r, lang, http.StatusUnauthorized, "unknown kiosk token")
			return
		}
		http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: tok, Path: "/", MaxAge: 10 * 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		http.Redirect(w, r, "/kiosk", http.StatusSeeOther)
		return
	}
	d, _, err := c.device(r)
	if err != nil || (d.Role != RoleKiosk && d.Role != RoleDispenser) {
		c.pages.Error(w, r, lang, http.StatusUnauthorized, "this kiosk is not registered: open /kiosk?token=<kiosk device token> once")
		return
	}
	l, _ := c.location(d.Location)
	c.pages.Kiosk(w, r, lang, *l)
}
