package stats_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/goldentest"
	"github.com/numerek/numerek/stats"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldentest.Bytes(t, filepath.Join("testdata", name), got, *update)
}

func exampleVisits(t *testing.T) []stats.Visit {
	t.Helper()
	visits, err := stats.Visits(exampleDay(t))
	if err != nil {
		t.Fatal(err)
	}
	return visits
}

func TestVisitsCSVRoundTrip(t *testing.T) {
	visits := exampleVisits(t)
	// Times with a fraction of a second, as the engine's clock gives them.
	odd := visits[0]
	odd.Number, odd.Ticket = "A999", "centrum/2026-03-02/A999"
	odd.Issued = odd.Issued.Add(123456789)
	odd.Key = odd.Issued
	odd.Finished = odd.Finished.Add(time.Millisecond)
	odd.Clerk = `o"brien, jr` // a login that needs quoting
	visits = append(visits, odd)

	var buf bytes.Buffer
	if err := stats.WriteVisitsCSV(&buf, visits, warsaw); err != nil {
		t.Fatal(err)
	}
	got, err := stats.ReadVisitsCSV(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(visits) {
		t.Fatalf("got %d visits back, want %d", len(got), len(visits))
	}
	for i := range visits {
		if g, w := got[i].In(time.UTC), visits[i].In(time.UTC); g != w {
			t.Errorf("visit %d: got\n%+v\nwant\n%+v", i, g, w)
		}
	}
	bom, err := stats.ReadVisitsCSV(strings.NewReader("\uFEFF" + buf.String()))
	if err != nil || len(bom) != len(visits) {
		t.Errorf("with a byte-order mark: got %d visits, %v; want %d", len(bom), err, len(visits))
	}
	// Times are written in the location's time, with its offset.
	if !strings.Contains(buf.String(), "2026-03-02T08:00:00+01:00") {
		t.Errorf("visit log has no local time 2026-03-02T08:00:00+01:00:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "secret") || strings.Contains(buf.String(), "ref-") {
		t.Errorf("visit log has a token or a booking reference:\n%s", buf.String())
	}
}

func TestVisitsCSVGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := stats.WriteVisitsCSV(&buf, exampleVisits(t), warsaw); err != nil {
		t.Fatal(err)
	}
	golden(t, "visits.csv", buf.Bytes())
}

func TestReadVisitsCSVErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := stats.WriteVisitsCSV(&buf, exampleVisits(t)[:1], warsaw); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	head, row, _ := strings.Cut(good, "\n")
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "no header"},
		{"another header", strings.Replace(good, "wait_s", "wait", 1), "header is"},
		{"a column short", head + "\nx,y\n", "wrong number of fields"},
		{"a bad time", head + "\n" + strings.Replace(row, "2026-03-02T08:05:00+01:00", "08:05", 1), `first_called: "08:05" is not an RFC 3339 time`},
		{"a bad count", head + "\n" + strings.Replace(row, ",anowak,1,", ",anowak,one,", 1), `calls: "one" is not a count`},
		{"a bad kind", head + "\n" + strings.Replace(row, "walk-in", "walkin", 1), `kind: "walkin"`},
		{"a bad outcome", head + "\n" + strings.Replace(row, ",served", ",done", 1), `outcome: unknown "done"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := stats.ReadVisitsCSV(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want one saying %q", err, c.want)
			}
		})
	}
	if vs, err := stats.ReadVisitsCSV(strings.NewReader(head + "\n")); err != nil || len(vs) != 0 {
		t.Errorf("header only: got %d visits, %v; want none, no error", len(vs), err)
	}
}

func TestReportCSVGolden(t *testing.T) {
	r := stats.Compute(exampleVisits(t), exampleOptions())
	var buf bytes.Buffer
	if err := stats.WriteReportCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.csv", buf.Bytes())
}

func TestReportCSVNoData(t *testing.T) {
	r := stats.Compute(nil, stats.Options{Target: 15 * m, TargetShare: 0.85, ServiceNames: map[string]string{"A": "Meldunki, dowody"}})
	var buf bytes.Buffer
	if err := stats.WriteReportCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"total,,,issued,0",
		"total,,,wait_median_s,",
		"total,,,within_target_share,",
		"total,,,target_met,",
		`service,A,,name,"Meldunki, dowody"`,
		"service,A,,service_p90_s,",
	} {
		if !strings.Contains(buf.String(), "\r\n"+line+"\r\n") {
			t.Errorf("report has no line %q", line)
		}
	}
	if strings.Contains(buf.String(), "\r\nhour,") || strings.Contains(buf.String(), "NaN") {
		t.Errorf("report of nothing has hours or NaN")
	}
	if t.Failed() {
		t.Logf("the report:\n%s", buf.String())
	}
}
