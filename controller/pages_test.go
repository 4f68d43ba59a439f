package controller

import (
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
)

// pagesClock is a fixed clock for the pages' tests.
type pagesClock struct{ t time.Time }

func (c pagesClock) Now() time.Time { return c.t }

// pagesZone stands in for Europe/Warsaw in winter, without the tz database.
var pagesZone = time.FixedZone("CET", 3600)

func pagesBranch() *queue.Branch {
	week := queue.WeeklyHours{}
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = queue.Hours{Open: 8 * time.Hour, Close: 18 * time.Hour}
	}
	return &queue.Branch{
		Locations: []queue.Location{
			{ID: "centrum", Name: "Biuro Obsługi Mieszkańców – Centrum", Address: "ul. Główna 1", TZ: pagesZone, Hours: week, Voice: true},
			{ID: "plaza", Name: "BOM <Plaza> & Co", Address: "Galeria Plaza", TZ: pagesZone, Hours: week},
		},
		Services: []queue.Service{
			{Prefix: "A", NamePL: "Dowody osobiste", NameEN: "Identity cards", Duration: 10 * time.Minute},
			{Prefix: "B", NamePL: "Rejestracja pojazdów", NameEN: "Vehicle registration", Duration: 15 * time.Minute},
			{Prefix: "C", NamePL: "Meldunki", NameEN: "Residence registration", Duration: 5 * time.Minute},
		},
		Counters: []queue.Counter{
			{Location: "centrum", Number: 1, Services: []string{"A", "B"}},
			{Location: "centrum", Number: 2, Services: []string{"B"}},
			{Location: "plaza", Number: 1, Services: []string{"A", "C"}},
		},
		Rules: queue.DefaultRules(),
	}
}

// newTestPages renders at a Monday 10:00 local time unless now is given.
func newTestPages(t *testing.T, now ...time.Time) *Pages {
	t.Helper()
	p, err := NewPages(pagesBranch())
	if err != nil {
		t.Fatalf("NewPages: %v", err)
	}
	p.Clock = pagesClock{time.Date(2026, 3, 2, 10, 0, 0, 0, pagesZone)}
	if len(now) > 0 {
		p.Clock = pagesClock{now[0]}
	}
	return p
}

var pageDataRE = regexp.MustCompile(`(?s)<script type="application/json" id="page-data">(.*?)</script>`)

func TestPagesRender(t *testing.T) {
	p := newTestPages(t)
	b := pagesBranch()
	clerkIDs := []string{"alert", "offline", "login-form", "login", "password", "location-select",
		"counter-select", "take-counter", "btn-next", "btn-recall", "btn-noshow", "btn-came",
		"btn-finish", "btn-transfer", "transfer-service", "btn-call-number", "call-number",
		"current-number", "current-status", "waiting-list", "missed-list", "pending-list",
		"btn-close", "btn-logout", "status"}
	kioskIDs := []string{"alert", "result-number", "result-ahead", "result-estimate", "result-link",
		"kiosk-result", "kiosk-closed", "kiosk-services"}
	tests := []struct {
		name   string
		render func(w http.ResponseWriter, r *http.Request, lang string)
		status int
		want   map[string][]string // by lang: text that must be in the page
		ids    []string
		script bool // has #page-data
	}{
		{
			name:   "index",
			render: p.Index,
			status: http.StatusOK,
			want: map[string][]string{
				"pl": {"Terminal urzędnika", `href="/clerk"`, "Kiosk z numerkami", `href="/kiosk"`, `id="location-centrum"`, `id="location-plaza"`, "08:00–18:00", "Teraz otwarte", "Bez zapowiedzi głosowych", "BOM &lt;Plaza&gt; &amp; Co"},
				"en": {"Clerk terminal", `href="/clerk"`, "Ticket kiosk", `href="/kiosk"`, "08:00–18:00", "Open now", "No spoken announcements"},
			},
		},
		{
			name:   "clerk",
			render: p.Clerk,
			status: http.StatusOK,
			want: map[string][]string{
				"pl": {"Wezwij następnego", "Wezwij ponownie", "Nie zgłosił się", "Klient podszedł", "Zakończ", "Przekieruj", "Wezwij wybrany numer", "Zwolnij stanowisko", "Wyloguj", `<label for="login">`, `<label for="password">`, `<label for="call-number">`, `<label for="transfer-service">`, `aria-keyshortcuts="N"`, "clerk.js"},
				"en": {"Call next", "Call again", "Did not show up", "Client came", "Finish", "Transfer", "Call chosen number"},
			},
			ids:    clerkIDs,
			script: true,
		},
		{
			name: "kiosk",
			render: func(w http.ResponseWriter, r *http.Request, lang string) {
				p.Kiosk(w, r, lang, b.Locations[0])
			},
			status: http.StatusOK,
			want: map[string][]string{
				"pl": {"Pobierz numerek", `class="service-btn" data-service="A"`, `data-service="B"`, "Dowody osobiste", "Rejestracja pojazdów", "Biuro Obsługi Mieszkańców – Centrum", "kiosk.js"},
				"en": {"Take a ticket", `data-service="A"`, "Identity cards", "Vehicle registration"},
			},
			ids:    kioskIDs,
			script: true,
		},
		{
			name: "notfound",
			render: func(w http.ResponseWriter, r *http.Request, lang string) {
				p.NotFound(w, r, lang, "")
			},
			status: http.StatusNotFound,
			want: map[string][]string{
				"pl": {"Nie ma takiej strony", `href="/"`},
				"en": {"Page not found"},
			},
		},
	}
	for _, tt := range tests {
		for _, lang := range []string{"pl", "en"} {
			t.Run(tt.name+"/"+lang, func(t *testing.T) {
				w := httptest.NewRecorder()
				tt.render(w, httptest.NewRequest("GET", "/", nil), lang)
				body := w.Body.String()
				if w.Code != tt.status {
					t.Fatalf("status: got %d, want %d; body:\n%s", w.Code, tt.status, body)
				}
				if got, want := w.Header().Get("Content-Type"), "text/html; charset=utf-8"; got != want {
					t.Errorf("Content-Type: got %q, want %q", got, want)
				}
				if !strings.HasPrefix(body, "<!doctype html>\n<html lang=\""+lang+"\">") {
					t.Errorf("page does not start with the doctype and <html lang=%q>:\n%.200s", lang, body)
				}
				for _, s := range tt.want[lang] {
					if !strings.Contains(body, s) {
						t.Errorf("page lacks %q", s)
					}
				}
				for _, id := range tt.ids {
					if n := strings.Count(body, `id="`+id+`"`); n != 1 {
						t.Errorf("id %q: got %d elements, want 1", id, n)
					}
				}
				for _, bad := range []string{"{{", "ZgotmplZ", "<no value>"} {
					if strings.Contains(body, bad) {
						t.Errorf("page has %q", bad)
					}
				}
				m := pageDataRE.FindStringSubmatch(body)
				if (m != nil) != tt.script {
					t.Fatalf("#page-data present: got %v, want %v", m != nil, tt.script)
				}
				if m != nil {
					var d pageScript
					if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
						t.Fatalf("#page-data is not JSON: %v\n%s", err, m[1])
					}
					if d.Lang != lang || d.API != "/api/v1" || d.Text["btn.next"] != pageTexts[lang]["btn.next"] {
						t.Errorf("#page-data: got lang %q, api %q, btn.next %q", d.Lang, d.API, d.Text["btn.next"])
					}
				}
			})
		}
	}
}

func TestClerkScriptData(t *testing.T) {
	p := newTestPages(t)
	w := httptest.NewRecorder()
	p.Clerk(w, httptest.NewRequest("GET", "/clerk", nil), "en")
	m := pageDataRE.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("no #page-data")
	}
	var d pageScript
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	if d.MaxCalls != 3 {
		t.Errorf("maxCalls: got %d, want 3", d.MaxCalls)
	}
	want := []pageScriptLocation{
		{ID: "centrum", Name: "Biuro Obsługi Mieszkańców – Centrum", TZ: "CET", Counters: []pageScriptCounter{{1, []string{"A", "B"}}, {2, []string{"B"}}}},
		{ID: "plaza", Name: "BOM <Plaza> & Co", TZ: "CET", Counters: []pageScriptCounter{{1, []string{"A", "C"}}}},
	}
	if got, _ := json.Marshal(d.Locations); string(got) != string(must(json.Marshal(want))) {
		t.Errorf("locations:\ngot  %s\nwant %s", got, must(json.Marshal(want)))
	}
	if got := len(d.Services); got != 3 || d.Services[1].Name != "Vehicle registration" {
		t.Errorf("services: got %+v, want all three with English names", d.Services)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestKioskServicesOfLocation(t *testing.T) {
	p := newTestPages(t)
	b := pagesBranch()
	w := httptest.NewRecorder()
	p.Kiosk(w, httptest.NewRequest("GET", "/kiosk/plaza", nil), "pl", b.Locations[1])
	body := w.Body.String()
	for _, s := range []string{`data-service="A"`, `data-service="C"`, "BOM &lt;Plaza&gt; &amp; Co"} {
		if !strings.Contains(body, s) {
			t.Errorf("kiosk of plaza lacks %q", s)
		}
	}
	if strings.Contains(body, `data-service="B"`) {
		t.Error("kiosk of plaza offers service B, which no counter there serves")
	}
	if strings.Contains(body, `href="/"`) {
		t.Error("kiosk links to the home page: a visitor could leave the kiosk")
	}
}

func TestIndexHoursToday(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		lang string
		want []string
	}{
		{"monday open", time.Date(2026, 3, 2, 10, 0, 0, 0, pagesZone), "pl", []string{"Dziś: <strong>08:00–18:00</strong>", "Teraz otwarte"}},
		{"monday evening", time.Date(2026, 3, 2, 18, 0, 0, 0, pagesZone), "pl", []string{"Dziś: <strong>08:00–18:00</strong>", "Teraz zamknięte"}},
		// 23:30 UTC on Saturday is already Sunday in the office's zone.
		{"sunday by local time", time.Date(2026, 3, 7, 23, 30, 0, 0, time.UTC), "en", []string{"Today: <strong>closed</strong>", "Closed now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPages(t, tt.now)
			w := httptest.NewRecorder()
			p.Index(w, httptest.NewRequest("GET", "/", nil), tt.lang)
			for _, s := range tt.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("index lacks %q", s)
				}
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	p := newTestPages(t)
	w := httptest.NewRecorder()
	p.NotFound(w, httptest.NewRequest("GET", "/nope", nil), "pl", "Nie ma biura <x>.")
	if w.Code != http.StatusNotFound {
		t.Errorf("status: got %d, want 404", w.Code)
	}
	if body := w.Body.String(); !strings.Contains(body, "Nie ma biura &lt;x&gt;.") {
		t.Errorf("the message is missing or not escaped:\n%s", body)
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		status      int
		lang, msg   string
		wantHeading string
		wantText    string
	}{
		{404, "pl", "", "Nie ma takiej strony", "Sprawdź adres"},
		{401, "pl", "unknown kiosk token", "Brak dostępu", "unknown kiosk token"},
		{403, "en", "", "No access", "needs a sign-in"},
		{500, "en", "", "Something went wrong", "Try again"},
	}
	p := newTestPages(t)
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.lang), func(t *testing.T) {
			w := httptest.NewRecorder()
			p.Error(w, httptest.NewRequest("GET", "/", nil), tt.lang, tt.status, tt.msg)
			if w.Code != tt.status {
				t.Errorf("status: got %d, want %d", w.Code, tt.status)
			}
			body := w.Body.String()
			if !strings.Contains(body, "<h1>"+tt.wantHeading+"</h1>") || !strings.Contains(body, tt.wantText) {
				t.Errorf("page lacks heading %q or text %q:\n%s", tt.wantHeading, tt.wantText, body)
			}
		})
	}
}

func TestUnknownLangIsPolish(t *testing.T) {
	p := newTestPages(t)
	w := httptest.NewRecorder()
	p.Index(w, httptest.NewRequest("GET", "/", nil), "de")
	if !strings.Contains(w.Body.String(), `<html lang="pl">`) {
		t.Error(`an unknown language did not fall back to <html lang="pl">`)
	}
}

func TestTextsSameKeys(t *testing.T) {
	if len(pageTexts) != 2 {
		t.Errorf("languages: got %d, want pl and en", len(pageTexts))
	}
	for lang, texts := range pageTexts {
		for other, others := range pageTexts {
			for k := range texts {
				if _, ok := others[k]; !ok {
					t.Errorf("key %q is in %q but not in %q", k, lang, other)
				}
			}
		}
		for k, v := range texts {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s %q is empty", lang, k)
			}
		}
	}
}

// TestTextKeysExist checks every key the templates and scripts use, also in
// branches a render does not reach.
func TestTextKeysExist(t *testing.T) {
	uses := map[string]*regexp.Regexp{
		"web/templates": regexp.MustCompile(`\.T "([^"]+)"`),
		"web/static":    regexp.MustCompile(`\bt\("([^"]+)"`),
	}
	fsys := map[string]fs.FS{"web/templates": pagesTemplateFS, "web/static": pagesStaticFS}
	found := 0
	for dir, re := range uses {
		err := fs.WalkDir(fsys[dir], dir, func(name string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !(strings.HasSuffix(name, ".html") || strings.HasSuffix(name, ".js")) {
				return err
			}
			data, err := fs.ReadFile(fsys[dir], name)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				found++
				for lang, texts := range pageTexts {
					if _, ok := texts[m[1]]; !ok {
						t.Errorf("%s uses text %q, missing in %q", name, m[1], lang)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 50 {
		t.Errorf("found %d uses of texts, want many: are the patterns right?", found)
	}
}

func TestMissingTextIsAnError(t *testing.T) {
	d := (&Pages{}).data("pl", "index")
	if _, err := d.T("no.such.key"); err == nil {
		t.Error("T of a missing key: got no error")
	}
}

func TestStaticHandler(t *testing.T) {
	h := StaticHandler()
	css, err := staticURL("numerek.css")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, url string
		header            map[string]string
		status            int
		contentType       string
		cache             string
	}{
		{"css versioned", "GET", css, nil, 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"css plain", "GET", "/static/numerek.css", nil, 200, "text/css; charset=utf-8", "public, max-age=300"},
		{"css old version", "GET", "/static/numerek.css?v=0000", nil, 200, "text/css; charset=utf-8", "public, max-age=300"},
		{"head", "HEAD", "/static/numerek.css", nil, 200, "text/css; charset=utf-8", "public, max-age=300"},
		{"js", "GET", "/static/clerk.js", nil, 200, "text/javascript; charset=utf-8", "public, max-age=300"},
		{"svg", "GET", "/static/logo.svg", nil, 200, "image/svg+xml", "public, max-age=300"},
		{"missing", "GET", "/static/nope.css", nil, 404, "", ""},
		{"folder", "GET", "/static/", nil, 404, "", ""},
		{"dot dot", "GET", "/static/../pages.go", nil, 404, "", ""},
		{"post", "POST", "/static/numerek.css", nil, 405, "", ""},
		{"not modified", "GET", "/static/numerek.css", map[string]string{"If-None-Match": `"` + staticFiles()["numerek.css"].hash + `"`}, 304, "", ""},
	}
	stripped := http.StripPrefix("/static/", h)
	for _, tt := range tests {
		for _, mount := range []struct {
			name string
			h    http.Handler
		}{{"", h}, {"/stripped", stripped}} {
			t.Run(tt.name+mount.name, func(t *testing.T) {
				r := httptest.NewRequest(tt.method, tt.url, nil)
				for k, v := range tt.header {
					r.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				mount.h.ServeHTTP(w, r)
				if w.Code != tt.status {
					t.Fatalf("status: got %d, want %d", w.Code, tt.status)
				}
				if tt.contentType != "" {
					if got := w.Header().Get("Content-Type"); got != tt.contentType {
						t.Errorf("Content-Type: got %q, want %q", got, tt.contentType)
					}
				}
				if tt.cache != "" {
					if got := w.Header().Get("Cache-Control"); got != tt.cache {
						t.Errorf("Cache-Control: got %q, want %q", got, tt.cache)
					}
				}
				if tt.status == 200 && tt.method == "GET" && w.Body.Len() == 0 {
					t.Error("empty body")
				}
			})
		}
	}
}

// TestStaticURLsInPages checks that every asset a page links to is served.
func TestStaticURLsInPages(t *testing.T) {
	p := newTestPages(t)
	h := StaticHandler()
	re := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	w := httptest.NewRecorder()
	p.Clerk(w, httptest.NewRequest("GET", "/clerk", nil), "pl")
	w2 := httptest.NewRecorder()
	p.Kiosk(w2, httptest.NewRequest("GET", "/kiosk/centrum", nil), "pl", pagesBranch().Locations[0])
	var urls []string
	for _, m := range re.FindAllStringSubmatch(w.Body.String()+w2.Body.String(), -1) {
		urls = append(urls, html.UnescapeString(m[1]))
	}
	for _, want := range []string{"numerek.css", "logo.svg", "numerek.js", "clerk.js", "kiosk.js"} {
		if !slices.ContainsFunc(urls, func(u string) bool { return strings.HasPrefix(u, "/static/"+want+"?v=") }) {
			t.Errorf("pages do not link %s with a version: %q", want, urls)
		}
	}
	for _, u := range urls {
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, httptest.NewRequest("GET", u, nil))
		if rw.Code != 200 || !strings.Contains(rw.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s: got %d %q, want 200 and an immutable cache", u, rw.Code, rw.Header().Get("Cache-Control"))
		}
	}
}

func TestLang(t *testing.T) {
	tests := []struct {
		name, url, cookie, want string
	}{
		{"default", "/", "", "pl"},
		{"query en", "/?lang=en", "", "en"},
		{"query pl beats cookie", "/?lang=pl", "en", "pl"},
		{"cookie", "/", "en", "en"},
		{"bad query, cookie", "/?lang=de", "en", "en"},
		{"bad cookie", "/", "xx", "pl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.url, nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "lang", Value: tt.cookie})
			}
			if got := Lang(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetLang(t *testing.T) {
	for _, tt := range []struct{ in, want string }{{"en", "en"}, {"pl", "pl"}, {"<x>", "pl"}} {
		w := httptest.NewRecorder()
		SetLang(w, tt.in)
		r := httptest.NewRequest("GET", "/", nil)
		for _, c := range w.Result().Cookies() {
			r.AddCookie(c)
		}
		if got := Lang(r); got != tt.want {
			t.Errorf("SetLang(%q) then Lang: got %q, want %q", tt.in, got, tt.want)
		}
	}
}
