package controller

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
	"github.com/numerek/numerek/stats"
	"github.com/numerek/numerek/store"
)

// logRecorder keeps the messages a controller logs at Info and above.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelInfo }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Level.String()+" "+r.Message)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// take returns the messages logged since the last take.
func (l *logRecorder) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.msgs
	l.msgs = nil
	return out
}

// newLoggedController is newTestController with the controller's log kept.
func newLoggedController(t *testing.T) (*testController, *logRecorder) {
	t.Helper()
	cfg, err := LoadConfig(filepath.Join("..", "configs", "numerek.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = filepath.Join(t.TempDir(), "numerek.db")
	tc := &testController{t: t, clock: queuetest.NewClock(tuesday9), cfg: cfg}
	logs := &logRecorder{}
	c, err := Open(cfg, Options{Clock: tc.clock, Logger: slog.New(logs), Hub: HubOptions{Heartbeat: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	tc.c, tc.srv = c, newServer(c)
	t.Cleanup(tc.stop)
	return tc, logs
}

// get fetches path with cl's cookies, without following redirects, and
// returns the answer with its body.
func (cl *client) get(path string) (*http.Response, string) {
	cl.tc.t.Helper()
	hc := *cl.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(cl.tc.srv.URL + path)
	if err != nil {
		cl.tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
	rowRE   = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
)

// htmlText is the text of an HTML fragment as a person reads it.
func htmlText(s string) string {
	return strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(s, " ")), " "))
}

// tableRows reads the table with id from a page: the cells of each row whose
// opening tag contains attr (`data-service="A"`), or of every body row.
func tableRows(t *testing.T, page, id, attr string) [][]string {
	t.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table #%s in the page", id)
	}
	end := strings.Index(page[start:], "</table>")
	table := page[start : start+end]
	var rows [][]string
	for _, m := range rowRE.FindAllStringSubmatchIndex(table, -1) {
		open := table[m[0]:m[2]]
		before := table[:m[0]]
		inBody := strings.LastIndex(before, "<tbody>") > strings.LastIndex(before, "</tbody>")
		if attr != "" && !strings.Contains(open, attr) || attr == "" && !inBody {
			continue
		}
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(table[m[2]:m[3]], -1) {
			cells = append(cells, htmlText(c[1]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// opsDay plays a morning at Centrum on the fake clock: walk-ins served at
// counters 1 (anna) and 2 (jan), a no-show, a cancelled ticket, a booked
// visit kept and one cancelled, and B002 still waiting at 10:16. The
// figures it makes are in TestManagerPage.
func opsDay(tc *testController) {
	t := tc.t
	t.Helper()
	ctx := context.Background()
	for _, b := range []struct {
		service string
		at      time.Time
	}{{"A", tuesday9.Add(time.Hour)}, {"B", tuesday9.Add(90 * time.Minute)}} {
		if _, err := tc.c.engine.Book(ctx, queue.BookRequest{Location: "centrum", Service: b.service, At: b.at}); err != nil {
			t.Fatal(err)
		}
	}
	anna, jan := tc.client(), tc.client()
	anna.login("anna", "numerek")
	jan.login("jan", "numerek")
	c1, c2 := "/api/v1/locations/centrum/counters/1/", "/api/v1/locations/centrum/counters/2/"
	anna.must(200, "POST", c1+"open", "")
	jan.must(200, "POST", c2+"open", "")
	at := func(hhmm string) {
		t.Helper()
		var h, m int
		fmt.Sscanf(hhmm, "%d:%d", &h, &m)
		when := time.Date(2026, 11, 24, h, m, 0, 0, queuetest.Warsaw)
		if d := when.Sub(tc.clock.Now()); d > 0 {
			tc.clock.Advance(d)
		}
	}
	do := func(cl *client, path, want string) {
		t.Helper()
		if got := ticketNumber(cl.must(200, "POST", path, "")); got != want {
			t.Fatalf("%s: got %s, want %s", path, got, want)
		}
	}
	steps := []struct {
		at   string
		run  func()
		note string
	}{
		{"9:00", func() { tc.issue("A") }, "A001"},
		{"9:02", func() { tc.issue("A") }, "A002"},
		{"9:04", func() { tc.issue("B") }, "B001"},
		{"9:10", func() { do(anna, c1+"call-next", "A001") }, "waited 10 min"},
		{"9:11", func() { do(anna, c1+"came", "A001") }, ""},
		{"9:12", func() { do(jan, c2+"call-next", "A002") }, "waited 10 min"},
		{"9:13", func() { do(jan, c2+"no-show", "A002") }, "a no-show"},
		{"9:20", func() { do(anna, c1+"finish", "A001") }, "served 9 min"},
		{"9:24", func() { do(jan, c2+"call-next", "B001") }, "waited 20 min"},
		{"9:25", func() { do(jan, c2+"came", "B001") }, ""},
		{"9:30", func() { do(jan, c2+"finish", "B001"); tc.issue("A") }, "served 5 min; A002 called again; A003"},
		{"9:31", func() {
			do(jan, c2+"came", "A002")
			anna.must(200, "POST", "/api/v1/locations/centrum/tickets/A003/cancel", "")
		}, ""},
		{"9:40", func() { tc.issue("B") }, "B002"},
		{"9:43", func() { do(jan, c2+"finish", "A002") }, "served 12 min"},
		{"10:00", func() {
			if err := tc.c.engine.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}, "R001 enters the queue"},
		{"10:05", func() { do(anna, c1+"call-next", "R001") }, "waited 5 min"},
		{"10:06", func() { do(anna, c1+"came", "R001") }, ""},
		{"10:10", func() { anna.must(200, "POST", "/api/v1/locations/centrum/tickets/R002/cancel", "") }, "a booked visit cancelled"},
		{"10:16", func() { do(anna, c1+"finish", "R001") }, "served 10 min"},
	}
	for _, s := range steps {
		at(s.at)
		s.run()
	}
}

// TestManagerPage checks the figures of a hand-made morning on the page, in
// Polish and in English.
func TestManagerPage(t *testing.T) {
	tc := newTestController(t)
	opsDay(tc)
	ewa := tc.client()
	ewa.login("ewa", "numerek")
	resp, page := ewa.get("/manager")
	if resp.StatusCode != 200 {
		t.Fatalf("/manager: got %d, want 200:\n%s", resp.StatusCode, htmlText(page))
	}
	for _, want := range []string{
		"Statystyki biura", "Biuro Obsługi Mieszkańców – Centrum", "Dzień 24.11.2026", "stan na godz. 10:16",
		`<option value="centrum" selected>`, `value="2026-11-24"`,
		"Długie oczekiwanie", "B – Prawa jazdy: numer B002 czeka już 36 min (próg: 30 min).",
		`href="/manager/report.csv?from=2026-11-24&amp;location=centrum&amp;to=2026-11-24"`,
		`href="/manager/visits.csv?from=2026-11-24&amp;location=centrum&amp;to=2026-11-24"`,
		`<svg xmlns="http://www.w3.org/2000/svg"`, "Wydane numery według godzin", "Czas oczekiwania na wezwanie",
		"Razem 6; najwięcej o godz. 09: 5.", "Mediana 10 min; 90% klientów czekało najwyżej 20 min.",
		`<a href="/manager" aria-current="page">`, "Ewa Wiśniewska", `<link rel="stylesheet" href="/static/ops.css?v=`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, tt := range []struct {
		table, row string
		want       []string
	}{
		{"queue-table", `data-service="A"`, []string{"A Rejestracja pojazdów", "4", "3", "10 min", "10 min", "10 min", "100% (3 z 3) cel osiągnięty"}},
		{"queue-table", `data-service="B"`, []string{"B Prawa jazdy", "2", "1", "20 min", "20 min", "5 min", "0% (0 z 1) poniżej celu"}},
		{"queue-table", `data-service="C"`, []string{"C Dowody osobiste", "0", "0", "–", "–", "–", "–"}},
		{"queue-table", `data-service="total"`, []string{"Razem", "6", "4", "10 min", "20 min", "9 min", "75% (3 z 4) poniżej celu"}},
		{"absent-table", `data-service="A"`, []string{"A Rejestracja pojazdów", "1", "0", "1", "0", "1", "1", "0", "0"}},
		{"absent-table", `data-service="B"`, []string{"B Prawa jazdy", "0", "0", "0", "0", "1", "0", "0", "1"}},
		{"absent-table", `data-service="total"`, []string{"Razem", "1", "0", "1", "0", "2", "1", "0", "1"}},
	} {
		t.Run(tt.table+" "+tt.row, func(t *testing.T) {
			rows := tableRows(t, page, tt.table, tt.row)
			if len(rows) != 1 || !slices.Equal(rows[0], tt.want) {
				t.Errorf("got %q, want %q", rows, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		table string
		want  [][]string
	}{
		{"counters-table", [][]string{{"Stanowisko 1", "2", "9 min"}, {"Stanowisko 2", "2", "5 min"}}},
		{"clerks-table", [][]string{{"Anna Nowak", "2", "9 min"}, {"Jan Kowalski", "2", "5 min"}}},
	} {
		if got := tableRows(t, page, tt.table, ""); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %q, want %q", tt.table, got, tt.want)
		}
	}

	// English, and a range of days.
	resp, page = ewa.get("/manager?lang=en&location=centrum&from=2026-11-20&to=2026-11-24")
	if resp.StatusCode != 200 {
		t.Fatalf("English: got %d", resp.StatusCode)
	}
	for _, want := range []string{"Office statistics", "From 20 Nov 2026 to 24 Nov 2026 (5 days)", "as of 10:16",
		"B – Driving licences: number B002 has waited 36 min (limit: 30 min).", "Tickets issued by hour"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
	if got := tableRows(t, page, "queue-table", `data-service="total"`); len(got) != 1 || !slices.Equal(got[0], []string{"Total", "6", "4", "10 min", "20 min", "9 min", "75% (3 of 4) below target"}) {
		t.Errorf("English total: got %q", got)
	}

	// The day before: nothing happened.
	_, page = ewa.get("/manager?lang=pl&from=2026-11-23")
	if got := tableRows(t, page, "queue-table", `data-service="total"`); len(got) != 1 || !slices.Equal(got[0], []string{"Razem", "0", "0", "–", "–", "–", "–"}) {
		t.Errorf("Monday: got %q", got)
	}
	for _, want := range []string{"Dzień 23.11.2026", "Brak danych", "Żadne stanowisko nie obsłużyło jeszcze klienta."} {
		if !strings.Contains(page, want) {
			t.Errorf("Monday's page lacks %q", want)
		}
	}
	if strings.Contains(page, "stan na godz.") {
		t.Errorf("a past day's page says it is as of now")
	}
}

// TestManagerCSV downloads both exports of the morning and reads them
// back: the visit log gives the same visits and the same figures.
func TestManagerCSV(t *testing.T) {
	tc := newTestController(t)
	opsDay(tc)
	ewa := tc.client()
	ewa.login("ewa", "numerek")
	q := "?location=centrum&from=2026-11-24&to=2026-11-24"

	resp, body := ewa.get("/manager/report.csv" + q)
	if resp.StatusCode != 200 {
		t.Fatalf("report.csv: got %d %s", resp.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Content-Type":        "text/csv; charset=utf-8",
		"Content-Disposition": `attachment; filename="numerek-report-centrum-2026-11-24_2026-11-24.csv"`,
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("report.csv %s: got %q, want %q", h, got, want)
		}
	}
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Fatalf("report.csv has no byte-order mark")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	figure := map[string]string{}
	for _, r := range records {
		figure[strings.Join(r[:4], "/")] = r[4]
	}
	for key, want := range map[string]string{
		"report///target_s":              "900",
		"total///issued":                 "6",
		"total///wait_median_s":          "600",
		"total///wait_p90_s":             "1200",
		"total///within_target_share":    "0.7500",
		"service/A//booked_kept":         "1",
		"service/B//booked_cancelled":    "1",
		"service/A//name":                "Rejestracja pojazdów",
		"hour//9/issued":                 "5",
		"counter/2//service_median_s":    "300",
		"clerk/anna//served":             "2",
		"clerk/jan//service_median_s":    "300",
		"service/A//service_median_s":    "600",
		"service/B//within_target_share": "0.0000",
	} {
		if got, ok := figure[key]; !ok || got != want {
			t.Errorf("report.csv %s: got %q, want %q", key, got, want)
		}
	}

	resp, body = ewa.get("/manager/visits.csv" + q)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "\uFEFF") ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="numerek-visits-centrum-2026-11-24_2026-11-24.csv"` {
		t.Fatalf("visits.csv: got %d %q, want 200, an attachment with a byte-order mark", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	got, err := stats.ReadVisitsCSV(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var r stats.Replay
	if err := tc.c.db.Events("centrum", 0, r.Apply); err != nil {
		t.Fatal(err)
	}
	want := r.Visits()
	if len(got) != len(want) || len(got) != 7 {
		t.Fatalf("visits: got %d, want %d (7)", len(got), len(want))
	}
	for i := range want {
		g, w := got[i].In(time.UTC), want[i].In(time.UTC)
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
			t.Errorf("visit %d:\ngot  %+v\nwant %+v", i, g, w)
		}
	}
	for _, v := range got {
		if v.Day != "2026-11-24" {
			t.Errorf("%s: day %s, want 2026-11-24", v.Number, v.Day)
		}
	}
	// The figures computed from the file are the page's.
	rep := stats.Compute(got, stats.Options{TZ: queuetest.Warsaw, Target: 15 * time.Minute, TargetShare: 0.85})
	if rep.Total.Issued != 6 || rep.Total.Served != 4 || rep.Total.Wait.Median != 10*time.Minute || rep.Total.Booked.Cancelled != 1 {
		t.Errorf("figures of the file: got %+v", rep.Total)
	}
}

// TestManagerAccess: who may see the statistics, and what a bad request
// answers. None of them changes anything.
func TestManagerAccess(t *testing.T) {
	tc := newTestController(t)
	tc.issue("A")
	before := tc.view("centrum").Seq
	logged := map[string]*client{"": tc.client()}
	for _, login := range []string{"anna", "jan", "ewa"} {
		logged[login] = tc.client()
		logged[login].login(login, "numerek")
	}
	tests := []struct {
		name, who, path string
		status          int
		want            string // in the body
	}{
		{"anonymous page", "", "/manager?from=2026-11-24", 401, `href="/clerk?next=%2Fmanager%3Ffrom%3D2026-11-24"`},
		{"anonymous report", "", "/manager/report.csv", 401, "zaloguj się w terminalu urzędnika"},
		{"anonymous visits", "", "/manager/visits.csv", 401, "zaloguj się"},
		{"a clerk", "anna", "/manager", 403, "widzą tylko kierownicy"},
		{"a clerk's csv", "anna", "/manager/visits.csv", 403, "widzą tylko kierownicy"},
		{"a manager", "ewa", "/manager", 200, "Statystyki biura"},
		{"an admin", "jan", "/manager?location=plaza", 200, "Centrum Handlowe Plaza"},
		{"another office", "ewa", "/manager?location=plaza", 403, "Nie masz dostępu do biura „Biuro Obsługi Mieszkańców – Centrum Handlowe Plaza”."},
		{"another office csv", "ewa", "/manager/report.csv?location=plaza", 403, "Nie masz dostępu"},
		{"unknown office", "ewa", "/manager?location=nowhere", 400, "Nie ma biura „nowhere”."},
		{"not a date", "ewa", "/manager?from=2026-13-01", 400, "„2026-13-01” w polu „Od dnia” nie jest datą"},
		{"not a date either", "ewa", "/manager?from=2026-11-01&to=24.11.2026", 400, "„24.11.2026” w polu „Do dnia”"},
		{"to before from", "ewa", "/manager?from=2026-11-24&to=2026-11-20", 400, "Data końcowa 2026-11-20 jest wcześniejsza niż początkowa 2026-11-24."},
		{"367 days", "ewa", "/manager?from=2025-11-23&to=2026-11-24", 400, "Wybrano 367 dni: zestawienie obejmuje najwyżej 366 dni."},
		{"366 days", "ewa", "/manager?from=2025-11-24&to=2026-11-24", 200, "(366 dni)"},
		{"to alone", "ewa", "/manager?to=2026-11-23", 200, "Dzień 23.11.2026"},
		{"bad csv", "ewa", "/manager/report.csv?from=2026-11-24&to=2026-11-01", 400, "jest wcześniejsza"},
		{"bad csv in English", "ewa", "/manager/visits.csv?from=x&lang=en", 400, "“x” in “From” is not a date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := logged[tt.who].get(tt.path)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("got %d %.300q, want %d with %q", resp.StatusCode, htmlText(body), tt.status, tt.want)
			}
			if tt.status == 400 && strings.HasPrefix(tt.path, "/manager?") && !strings.Contains(body, `role="alert"`) {
				t.Errorf("the mistake is not in a role=alert")
			}
		})
	}
	// A bad date is marked on its field, and the form keeps what was typed.
	_, body := logged["ewa"].get("/manager?from=2026-13-01")
	if !strings.Contains(body, `id="from" name="from" value="2026-13-01" aria-describedby="form-error dates-hint" aria-invalid="true"`) {
		t.Errorf("the bad field is not marked: %s", body[strings.Index(body, `id="from"`)-20:][:200])
	}
	if after := tc.view("centrum").Seq; after != before {
		t.Errorf("state changed: seq %d, want %d", after, before)
	}
}

// TestAlerts: a service's longest wait raises the alert only once it is
// longer than [stats] alert_after, and the call clears it.
func TestAlerts(t *testing.T) {
	tc := newTestController(t)
	cl := tc.client()
	alerts := func() alertsAnswer {
		t.Helper()
		status, data := cl.doRaw("GET", "/api/v1/locations/centrum/alerts")
		if status != 200 {
			t.Fatalf("alerts: got %d %s", status, data)
		}
		var a alertsAnswer
		if err := json.Unmarshal(data, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	tc.issue("A")
	tc.clock.Advance(10 * time.Minute)
	tc.issue("A")
	tc.issue("C")
	for _, tt := range []struct {
		advance time.Duration
		want    string // service/number/minutes of each alert
	}{
		{0, ""},
		{20 * time.Minute, ""}, // A001 has waited exactly 30 min: not longer
		{time.Second, "A/A001/30"},
		{10 * time.Minute, "A/A001/40 C/C001/30"},
	} {
		tc.clock.Advance(tt.advance)
		a := alerts()
		var got []string
		for _, al := range a.Alerts {
			got = append(got, fmt.Sprintf("%s/%s/%d", al.Service, al.Number, al.WaitedMinutes))
			if al.ThresholdNS != int64(30*time.Minute) || al.NamePL == "" || al.WaitedNS < int64(30*time.Minute) {
				t.Errorf("alert %+v: want a threshold of 30 min, a name and a wait over it", al)
			}
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("at %s: got %q, want %q", tc.clock.Now().Format("15:04:05"), s, tt.want)
		}
		if a.Alerts == nil || a.Location != "centrum" || a.AlertAfterNS != int64(30*time.Minute) || !a.AsOf.Equal(tc.clock.Now()) {
			t.Errorf("answer: got %+v", a)
		}
	}
	anna := tc.client()
	anna.login("anna", "numerek")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/open", "")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	if got := alerts().Alerts; len(got) != 2 || got[0].Number != "A002" || got[0].WaitedMinutes != 30 {
		t.Errorf("after A001 was called: got %+v, want A002 (30 min) and C001", got)
	}
	cl.must(404, "GET", "/api/v1/locations/nowhere/alerts", "")
}

// TestDeviceHealthPage follows a dispenser through its states on the fake
// clock: never heard from, ok, silent (logged once), back (logged once),
// degraded, out of paper; on /devices, in the API and in /metrics.
func TestDeviceHealthPage(t *testing.T) {
	tc, logs := newLoggedController(t)
	d := tc.device(dispenserToken)
	anna := tc.client()
	anna.login("anna", "numerek")
	logs.take()
	ctx := context.Background()
	steps := []struct {
		name      string
		advance   time.Duration
		heartbeat string // sent after the advance
		state     string // in the API and the row's class
		text      string // the row's state, printer and last heartbeat, on the page
		gauge     float64
		silent    bool     // in the page's alert
		logged    []string // by the housekeeping that follows
	}{
		{"never", 0, "", "never", "centrum-dispenser biletomat sala nie zgłosiło się – – –", 0, false, nil},
		{"ok", 0, `{"status":"ok","printer":"ok","version":"1.2.0"}`, "ok", "centrum-dispenser biletomat sala działa 09:00:00 0 s temu 1.2.0 działa", 1, false, []string{"INFO device health"}},
		{"still ok", 90 * time.Second, "", "ok", "centrum-dispenser biletomat sala działa 09:00:00 1 min 30 s temu 1.2.0 działa", 1, false, nil},
		{"silent", time.Second, "", "offline", "centrum-dispenser biletomat sala brak łączności 09:00:00 1 min 31 s temu 1.2.0 działa", 0, true, []string{"WARN device silent"}},
		{"still silent", 5 * time.Minute, "", "offline", "centrum-dispenser biletomat sala brak łączności 09:00:00 6 min 31 s temu 1.2.0 działa", 0, true, nil},
		{"back", 0, `{"status":"ok","printer":"ok","version":"1.2.0"}`, "ok", "centrum-dispenser biletomat sala działa 09:06:31 0 s temu 1.2.0 działa", 1, false, []string{"INFO device heard from again"}},
		{"degraded", 30 * time.Second, `{"status":"degraded","printer":"paper_low","detail":"paper low","version":"1.2.0"}`, "degraded", "centrum-dispenser biletomat sala działa z problemem paper low 09:07:01 0 s temu 1.2.0 kończy się papier", 0.5, false, []string{"WARN device health"}},
		{"paper out", 30 * time.Second, `{"status":"error","printer":"paper_out","detail":"no paper","version":"1.2.0"}`, "error", "centrum-dispenser biletomat sala awaria no paper 09:07:31 0 s temu 1.2.0 brak papieru", 0, false, []string{"WARN device health"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			tc.clock.Advance(s.advance)
			if s.heartbeat != "" {
				d.must(204, "POST", "/api/v1/devices/heartbeat", s.heartbeat)
			}
			tc.c.tick(ctx)
			if got := logs.take(); !slices.Equal(got, s.logged) && !(len(got) == 0 && len(s.logged) == 0) {
				t.Errorf("log: got %q, want %q", got, s.logged)
			}
			tc.c.tick(ctx) // a second look logs nothing new
			if got := logs.take(); len(got) != 0 {
				t.Errorf("log on the second look: got %q, want nothing", got)
			}

			_, data := anna.doRaw("GET", "/api/v1/locations/centrum/devices")
			var list []deviceView
			if err := json.Unmarshal(data, &list); err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(list, func(v deviceView) bool { return v.Name == "centrum-dispenser" })
			if i < 0 || list[i].State != s.state {
				t.Errorf("API: got %+v, want state %s", list, s.state)
			}

			resp, page := anna.get("/devices")
			if resp.StatusCode != 200 {
				t.Fatalf("/devices: got %d", resp.StatusCode)
			}
			rows := tableRows(t, page, "devices-centrum", `data-device="centrum-dispenser"`)
			if len(rows) != 1 || strings.Join(rows[0], " ") != s.text {
				t.Errorf("page: got %q, want %q", rows, s.text)
			}
			if !strings.Contains(page, `<tr class="dev dev-`+s.state+`" data-device="centrum-dispenser">`) {
				t.Errorf("page: the row is not of class dev-%s", s.state)
			}
			alert := page[strings.Index(page, `id="silent-alert"`):]
			alert = alert[:strings.Index(alert, "</div>\n<p")]
			if got := strings.Contains(alert, "centrum-dispenser"); got != s.silent {
				t.Errorf("alert: got %q, want the dispenser in it: %v", htmlText(alert), s.silent)
			}

			m := metricOf(tc.scrape(), "numerek_device_status", "device", "centrum-dispenser")
			if m == nil || m.GetGauge().GetValue() != s.gauge {
				t.Errorf("metrics: got %v, want %v", m, s.gauge)
			}
		})
	}
}

// TestDevicesPageAccess: any clerk sees the devices of the offices they
// work at; others see nothing.
func TestDevicesPageAccess(t *testing.T) {
	tc := newTestController(t)
	anna, jan := tc.client(), tc.client()
	anna.login("anna", "numerek")
	jan.login("jan", "numerek")
	for _, tt := range []struct {
		name    string
		cl      *client
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{"anonymous", tc.client(), "/devices", 401, []string{`href="/clerk?next=%2Fdevices"`, "Zaloguj się"}, nil},
		{"anna", anna, "/devices", 200, []string{`id="devices-centrum"`, `id="devices-zachod"`, `<a href="/devices" aria-current="page">`, "Anna Nowak"}, []string{`id="devices-plaza"`, `href="/manager"`}},
		{"anna at one", anna, "/devices?location=zachod", 200, []string{`id="devices-zachod"`}, []string{`id="devices-centrum"`}},
		{"anna elsewhere", anna, "/devices?location=plaza", 403, []string{"Nie masz dostępu do biura"}, nil},
		{"unknown office", anna, "/devices?location=nowhere", 400, []string{"Nie ma biura „nowhere”.", `role="alert"`}, nil},
		{"jan", jan, "/devices?lang=en", 200, []string{`id="devices-plaza"`, `id="devices-copernicus"`, `href="/manager"`, "Device health", "has not reported"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.cl.get(tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("got %d, want %d", resp.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("has %q", w)
				}
			}
		})
	}
}

// TestOpsConfig: the [stats], [metrics] and [device_health] sections, their
// defaults, and the errors that name the field.
func TestOpsConfig(t *testing.T) {
	base, err := os.ReadFile("testdata/config/good-minimal.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, add string
		check     func(c Config) string // "" when right
		err       string
	}{
		{"defaults", "", func(c Config) string {
			if c.Stats != DefaultStatsConfig() || len(c.Metrics.Allow) != 0 || c.DeviceHealth.SilentAfter != 90*time.Second {
				return fmt.Sprintf("%+v %+v %+v", c.Stats, c.Metrics, c.DeviceHealth)
			}
			return ""
		}, ""},
		{"set", `
[stats]
target = "10m"
target_share = 0.9
alert_after = "45m"
[metrics]
allow = ["10.1.2.3/8", "192.168.1.20", "fd00::/8"]
[device_health]
silent_after = "2m"
`, func(c Config) string {
			want := StatsConfig{Target: 10 * time.Minute, TargetShare: 0.9, AlertAfter: 45 * time.Minute}
			if c.Stats != want || fmt.Sprint(c.Metrics.Allow) != "[10.0.0.0/8 192.168.1.20/32 fd00::/8]" || c.DeviceHealth.SilentAfter != 2*time.Minute {
				return fmt.Sprintf("%+v %v %+v", c.Stats, c.Metrics.Allow, c.DeviceHealth)
			}
			return ""
		}, ""},
		{"bad target", "[stats]\ntarget = \"soon\"", nil, `stats.target: "soon" is not a duration`},
		{"zero target", "[stats]\ntarget = \"0s\"", nil, "stats.target: 0s is not more than 0s"},
		{"share over 1", "[stats]\ntarget_share = 85.0", nil, "stats.target_share: 85 is not a share above 0 and at most 1"},
		{"bad alert", "[stats]\nalert_after = \"-5m\"", nil, "stats.alert_after: -5m0s is not more than 0s"},
		{"bad network", "[metrics]\nallow = [\"10.0.0.0/33\"]", nil, `metrics.allow[0]: "10.0.0.0/33" is not a network`},
		{"bad address", "[metrics]\nallow = [\"localhost\"]", nil, `metrics.allow[0]: "localhost" is not a network`},
		{"too quick", "[device_health]\nsilent_after = \"30s\"", nil, "device_health.silent_after: 30s is not from 35s to 1h0m0s"},
		{"not a duration", "[device_health]\nsilent_after = \"often\"", nil, `device_health.silent_after: "often" is not a duration`},
		{"unknown key", "[stats]\ntarget_percent = 85", nil, "stats.target_percent: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(append(bytes.Clone(base), []byte("\n"+tt.add+"\n")...))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(c); msg != "" {
				t.Errorf("got %s", msg)
			}
		})
	}
	ex, err := LoadConfig(exampleConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ex.Clerk("ewa"); !ok || !k.Manager || k.Admin || !slices.Equal(k.Locations, []string{"centrum"}) {
		t.Errorf("the example's manager: got %+v", k)
	}
}

// busyMonth plays 30 days of a busy Centrum office (about 290 walk-ins a
// weekday at nine counters) through an engine in memory and writes its
// events to a fresh store at path, as the controller would have.
func busyMonth(b *testing.B, cfg Config, path string, first time.Time) int {
	b.Helper()
	ctx := context.Background()
	clock := queuetest.NewClock(first)
	var events []queue.Event
	e, err := queue.New(cfg.Branch, queue.Options{Clock: clock, Publish: func(_ string, evs []queue.Event) {
		events = append(events, evs...)
	}})
	if err != nil {
		b.Fatal(err)
	}
	type desk struct {
		ref        queue.CounterRef
		state      string // "", called, serving
		until      time.Time
		servedSome int
	}
	n := 0
	for day := 0; day < 30; day++ {
		date := first.AddDate(0, 0, day)
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		clock.Set(time.Date(date.Year(), date.Month(), date.Day(), 8, 0, 0, 0, queuetest.Warsaw))
		var desks []*desk
		for k := 1; k <= 9; k++ {
			d := &desk{ref: queue.CounterRef{Location: "centrum", Number: k, Clerk: fmt.Sprintf("clerk%d", k)}}
			if err := e.OpenCounter(ctx, d.ref, d.ref.Clerk); err != nil {
				b.Fatal(err)
			}
			desks = append(desks, d)
		}
		end := clock.Now().Add(6 * time.Hour)
		for step := 0; clock.Now().Before(end); step++ {
			if step%15 == 0 { // a ticket every 75 seconds
				svc := []string{"A", "B", "A", "C", "D", "B", "F", "J", "A", "E"}[n%10]
				if _, err := e.Issue(ctx, queue.IssueRequest{Location: "centrum", Service: svc}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			now := clock.Now()
			for _, d := range desks {
				switch {
				case d.state == "" && !now.Before(d.until):
					if _, err := e.CallNext(ctx, d.ref); err == nil {
						d.state, d.until = "called", now.Add(time.Minute)
					} else if queue.ErrorCode(err) != queue.ENotFound {
						b.Fatal(err)
					}
				case d.state == "called" && !now.Before(d.until):
					if _, err := e.ClientCame(ctx, d.ref); err != nil {
						b.Fatal(err)
					}
					d.servedSome++
					d.state, d.until = "serving", now.Add(time.Duration(6+d.servedSome*7%9)*time.Minute)
				case d.state == "serving" && !now.Before(d.until):
					if _, err := e.Finish(ctx, d.ref); err != nil {
						b.Fatal(err)
					}
					d.state, d.until = "", now
				}
			}
			clock.Advance(5 * time.Second)
		}
	}
	db, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for len(events) > 0 {
		batch := events[:min(len(events), 2000)]
		if err := db.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
		events = events[len(batch):]
	}
	return n
}

// BenchmarkManagerPage renders /manager for 30 days of a busy office: the
// whole log is replayed, computed and drawn on every request.
func BenchmarkManagerPage(b *testing.B) {
	cfg, err := LoadConfig(filepath.Join("..", "configs", "numerek.toml"))
	if err != nil {
		b.Fatal(err)
	}
	cfg.Database = filepath.Join(b.TempDir(), "numerek.db")
	first := time.Date(2026, 10, 26, 0, 0, 0, 0, queuetest.Warsaw)
	tickets := busyMonth(b, cfg, cfg.Database, first)
	clock := queuetest.NewClock(time.Date(2026, 11, 24, 15, 0, 0, 0, queuetest.Warsaw))
	c, err := Open(cfg, Options{Clock: clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	srv := newServer(c)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := hc.Post(srv.URL+"/api/v1/session", "application/json", strings.NewReader(`{"login":"ewa","password":"numerek"}`))
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("log in: %v %v", resp, err)
	}
	resp.Body.Close()
	url := srv.URL + "/manager?location=centrum&from=2026-10-26&to=2026-11-24"
	for b.Loop() {
		resp, err := hc.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Razem")) {
			b.Fatalf("got %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(tickets), "tickets")
	b.ReportMetric(float64(c.engine.Seq("centrum")), "events")
}
