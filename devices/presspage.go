package devices

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/numerek/numerek/queue"
)

// ListenLoopback listens on addr ("127.0.0.1:8090", "[::1]:0",
// "localhost:8090") and refuses any address that is not loopback: the
// press page has no login, so nobody else may reach it.
func ListenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("local page address %q: %w", addr, err)
	}
	if !loopbackHost(host) {
		return nil, fmt.Errorf("local page address %q: not a loopback address: the press page has no login, so it listens on 127.0.0.1, ::1 or localhost only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("local page: %w", err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("local page address %q: listens on %s, which is not loopback", addr, ln.Addr())
	}
	return ln, nil
}

// loopbackHost reports whether host is "localhost" or a loopback IP.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PressPage is a small local web page with one button per service, for
// machines without GPIO buttons (make run, a developer's laptop). Pressing
// one feeds the same channel as the GPIO buttons. It serves loopback only
// (see ListenLoopback), refuses cross-site posts and foreign Host names.
type PressPage struct {
	services []string
	presses  chan<- Press
	opts     PressPageOptions
	log      *slog.Logger
}

// PressPageOptions are what the page shows besides its buttons; all are
// optional.
type PressPageOptions struct {
	State     func() State                       // the dispenser's state
	Service   func(prefix string) (string, bool) // a service's name
	LastImage func() string                      // the path of the last ticket's PNG (virtual printer)
	PaperOut  func(out bool) bool                // simulates a printer out of paper; false where it cannot
	Clock     Clock                              // the system clock when nil
	Logger    *slog.Logger                       // slog.Default when nil
}

// NewPressPage returns a page with a button for each service letter,
// sending presses to presses.
func NewPressPage(services []string, presses chan<- Press, o PressPageOptions) *PressPage {
	if o.Clock == nil {
		o.Clock = queue.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &PressPage{services: services, presses: presses, opts: o, log: o.Logger.With("component", "presspage")}
}

// Serve answers HTTP on ln until ctx ends, then shuts down within a second.
func (p *PressPage) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		<-errc
		return err
	}
}

// Handler is the page: GET / shows the buttons, POST /press (form field
// service) presses one, GET /last.png is the last ticket's image.
func (p *PressPage) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.index)
	mux.HandleFunc("POST /press", p.press)
	mux.HandleFunc("GET /last.png", p.lastImage)
	if p.opts.PaperOut != nil {
		mux.HandleFunc("POST /paper", p.paper)
	}
	return p.guard(mux)
}

// guard refuses requests for another Host (DNS rebinding) and cross-site
// posts (a web page in the same browser pressing buttons).
func (p *PressPage) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			host = h
		}
		if !loopbackHost(strings.Trim(host, "[]")) {
			http.Error(w, "this page answers on loopback addresses only", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
				http.Error(w, "cross-site request refused", http.StatusForbidden)
				return
			}
			if o := r.Header.Get("Origin"); o != "" {
				if u, err := url.Parse(o); err != nil || u.Host != r.Host {
					http.Error(w, "cross-site request refused", http.StatusForbidden)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

var pressPageHTML = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="pl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="3">
<title>numerek: automat biletowy</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#111}
form{display:flex;flex-wrap:wrap;gap:.75rem}
button{font-size:1.4rem;padding:1rem 1.25rem;min-width:8rem;border:2px solid #124;border-radius:.5rem;background:#e8eef8;cursor:pointer}
button:focus{outline:3px solid #c60}
.state{margin:1rem 0}
img{max-width:100%;border:1px solid #999;margin-top:1rem}
</style></head><body>
<h1>Automat biletowy{{with .State.Location}}: {{.}}{{end}}</h1>
<p>Strona testowa zamiast przycisków GPIO. Naciśnij usługę, aby pobrać bilet. <span lang="en">(Test page in place of the GPIO buttons.)</span></p>
<form method="post" action="/press">
{{range .Buttons}}<button type="submit" name="service" value="{{.Prefix}}">{{.Prefix}}{{with .Name}} – {{.}}{{end}}</button>
{{end}}</form>
{{with .State.Note}}<p role="status"><strong>{{.}}</strong></p>{{end}}
{{with .State}}<p class="state">Dioda: <strong>{{.LED}}</strong> · stan: {{.Health.Status}} (kontroler: {{.Health.Controller}}, drukarka: {{.Health.Printer}})
{{with .Last}} · ostatni bilet: <strong>{{.}}</strong>{{end}} · wydrukowano: {{.Printed}}
{{with .Owed}}<br>Zaległy bilet: {{.}}{{end}}
{{with .Health.Detail}}<br>{{.}}{{end}}</p>{{end}}
{{if .Paper}}<form method="post" action="/paper"><button type="submit" name="out" value="1">Symuluj brak papieru</button>
<button type="submit" name="out" value="0">Włóż papier</button></form>{{end}}
{{if .Image}}<img src="/last.png?n={{.State.Printed}}" alt="Ostatni wydrukowany bilet">{{end}}
</body></html>
`))

type pressButton struct{ Prefix, Name string }

func (p *PressPage) index(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Buttons []pressButton
		State   State
		Image   bool
		Paper   bool
	}{Paper: p.opts.PaperOut != nil}
	for _, s := range p.services {
		b := pressButton{Prefix: s}
		if p.opts.Service != nil {
			b.Name, _ = p.opts.Service(s)
		}
		data.Buttons = append(data.Buttons, b)
	}
	if p.opts.State != nil {
		data.State = p.opts.State()
	}
	data.Image = p.opts.LastImage != nil && p.opts.LastImage() != ""
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pressPageHTML.Execute(w, data); err != nil {
		p.log.Warn("press page", "err", err)
	}
}

func (p *PressPage) press(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	service := strings.ToUpper(strings.TrimSpace(r.FormValue("service")))
	if !p.known(service) {
		http.Error(w, fmt.Sprintf("unknown service %q: want one of %s", service, strings.Join(p.services, ", ")), http.StatusBadRequest)
		return
	}
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case p.presses <- Press{Service: service, At: p.opts.Clock.Now(), Source: "page"}:
	case <-t.C:
		http.Error(w, "the dispenser is not taking presses", http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, "pressed %s\n", service)
}

func (p *PressPage) paper(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	out := r.FormValue("out") == "1"
	if !p.opts.PaperOut(out) {
		http.Error(w, "this printer cannot simulate paper out (only the virtual one can)", http.StatusConflict)
		return
	}
	p.log.Info("simulated paper", "out", out)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (p *PressPage) lastImage(w http.ResponseWriter, r *http.Request) {
	path := ""
	if p.opts.LastImage != nil {
		path = p.opts.LastImage()
	}
	if path == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "image/png")
	http.ServeFile(w, r, path)
}

func (p *PressPage) known(service string) bool {
	for _, s := range p.services {
		if s == service {
			return true
		}
	}
	return false
}

// ReadKeys reads lines from r (a terminal) and sends a press for every
// letter in them that is one of services, in either case ("a" and Enter
// presses A), until r ends or ctx does. A read blocked on a terminal cannot
// be interrupted: after ctx ends ReadKeys returns at the next line or end
// of input, and sends nothing more.
func ReadKeys(ctx context.Context, r io.Reader, services []string, presses chan<- Press, clock Clock) error {
	if clock == nil {
		clock = queue.SystemClock{}
	}
	known := map[rune]string{}
	for _, s := range services {
		if rs := []rune(s); len(rs) == 1 {
			known[unicode.ToUpper(rs[0])] = s
		}
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		for _, c := range sc.Text() {
			s, ok := known[unicode.ToUpper(c)]
			if !ok {
				continue
			}
			select {
			case presses <- Press{Service: s, At: clock.Now(), Source: "stdin"}:
			case <-ctx.Done():
				return nil
			}
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read keys: %w", err)
	}
	return nil
}
