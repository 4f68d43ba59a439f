package calendar_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/numerek/numerek/calendar"
	"github.com/numerek/numerek/goldentest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// visit is a booked visit whose location and description need escaping
// and folding, with Polish letters near the folds.
func visit(t testing.TB) calendar.Event {
	loc := warsaw(t)
	return calendar.Event{
		UID:         "b7k2m9qx4t@kolejka.example.pl",
		Start:       time.Date(2026, time.December, 1, 10, 30, 0, 0, loc),
		End:         time.Date(2026, time.December, 1, 10, 45, 0, 0, loc),
		Summary:     "Wizyta: Rejestracja pojazdów, numer R001",
		Location:    "Biuro Obsługi Mieszkańców – Centrum, ul. Ratuszowa 1, 00-001 Przykładowo, stanowiska 1–4",
		Description: "Zabierz dowód osobisty; dowód rejestracyjny, kartę pojazdu i polisę OC.\nPrzyjdź 5 minut wcześniej i zeskanuj kod przy biletomacie.\nOdwołanie: kolejka.example.pl\\wizyta",
		URL:         "https://kolejka.example.pl/w/b7k2m9qx4t",
		Created:     time.Date(2026, time.November, 24, 14, 5, 9, 0, loc),
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldentest.Bytes(t, filepath.Join("testdata", name), got, *update)
}

func TestICSGolden(t *testing.T) {
	got, err := visit(t).ICS()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "visit.ics", got)
}

// unfold undoes line folding (RFC 5545 section 3.1): a CRLF followed by
// one space is removed.
func unfold(b []byte) string {
	return strings.ReplaceAll(string(b), "\r\n ", "")
}

// property is the value of the first content line named name in an
// unfolded calendar.
func property(t *testing.T, unfolded, name string) string {
	t.Helper()
	for l := range strings.SplitSeq(unfolded, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return v
		}
	}
	t.Fatalf("no %s line in\n%s", name, unfolded)
	return ""
}

func TestICSLines(t *testing.T) {
	ics, err := visit(t).ICS()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(ics, []byte("\r\n")) {
		t.Errorf("got a file not ending in CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(ics), "\r\n"), "\r\n")
	folded := 0
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d: got %d octets, want at most 75: %q", i+1, len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d: got a bare CR or LF: %q", i+1, l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d: got a UTF-8 character split by folding: %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 2 {
		t.Errorf("got %d continuation lines, want the long fields folded", folded)
	}

	unfolded := unfold(ics)
	if !utf8.ValidString(unfolded) {
		t.Errorf("unfolded file is not valid UTF-8")
	}
	for _, tc := range []struct {
		name string
		want string
	}{
		{"SUMMARY", `Wizyta: Rejestracja pojazdów\, numer R001`},
		{"LOCATION", `Biuro Obsługi Mieszkańców – Centrum\, ul. Ratuszowa 1\, 00-001 Przykładowo\, stanowiska 1–4`},
		{"DESCRIPTION", `Zabierz dowód osobisty\; dowód rejestracyjny\, kartę pojazdu i polisę OC.\nPrzyjdź 5 minut wcześniej i zeskanuj kod przy biletomacie.\nOdwołanie: kolejka.example.pl\\wizyta`},
		{"URL", "https://kolejka.example.pl/w/b7k2m9qx4t"},
		{"UID", "b7k2m9qx4t@kolejka.example.pl"},
		{"TRIGGER", "-PT1H"},
	} {
		if got := property(t, unfolded, tc.name); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	begins, ends := 0, 0
	for l := range strings.SplitSeq(unfolded, "\r\n") {
		if strings.HasPrefix(l, "BEGIN:") {
			begins++
		}
		if strings.HasPrefix(l, "END:") {
			ends++
		}
	}
	if begins != 3 || ends != 3 {
		t.Errorf("got %d BEGIN and %d END lines, want 3 each", begins, ends)
	}
}

// TestICSFoldsWholeCharacters puts two-, three- and four-octet characters
// at every offset from a fold.
func TestICSFoldsWholeCharacters(t *testing.T) {
	for _, char := range []string{"ż", "–", "😀"} {
		for pad := range 4 {
			e := visit(t)
			e.Description = strings.Repeat("x", pad) + strings.Repeat(char, 200)
			ics, err := e.ICS()
			if err != nil {
				t.Fatal(err)
			}
			for l := range strings.SplitSeq(string(ics), "\r\n") {
				if len(l) > 75 || !utf8.ValidString(l) {
					t.Errorf("%q after %d x: got line %q (%d octets)", char, pad, l, len(l))
				}
			}
			want := `DESCRIPTION:` + e.Description
			if got := property(t, unfold(ics), "DESCRIPTION"); "DESCRIPTION:"+got != want {
				t.Errorf("%q after %d x: unfolded got %q, want %q", char, pad, got, e.Description)
			}
		}
	}
}

func TestICSEscapes(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "Wydział Komunikacji", "Wydział Komunikacji"},
		{"specials", `a\b;c,d`, `a\\b\;c\,d`},
		{"LF", "a\nb", `a\nb`},
		{"CRLF", "a\r\nb", `a\nb`},
		{"CR", "a\rb", `a\nb`},
		{"colon and quote stay", `a: "b"`, `a: "b"`},
		{"tab stays", "a\tb", "a\tb"},
		{"control dropped", "a\x00b\x1bc\x7f", "abc"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := visit(t)
			e.Location = tc.in
			ics, err := e.ICS()
			if err != nil {
				t.Fatal(err)
			}
			if got := property(t, unfold(ics), "LOCATION"); got != tc.want {
				t.Errorf("LOCATION for %q: got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestICSLeavesOutEmptyFields(t *testing.T) {
	e := visit(t)
	e.Location, e.Description, e.URL = "", "", ""
	ics, err := e.ICS()
	if err != nil {
		t.Fatal(err)
	}
	s := unfold(ics)
	for _, name := range []string{"LOCATION", "URL"} {
		if strings.Contains(s, "\r\n"+name+":") {
			t.Errorf("got a %s line for an empty field", name)
		}
	}
	// The alarm's DESCRIPTION is still there: DISPLAY needs one.
	if got := strings.Count(s, "\r\nDESCRIPTION:"); got != 1 {
		t.Errorf("got %d DESCRIPTION lines, want 1 (the alarm's)", got)
	}
}

func TestICSTimesInUTC(t *testing.T) {
	loc := warsaw(t)
	for _, tc := range []struct {
		name      string
		start     time.Time
		wantStart string
		wantEnd   string // 15 minutes later
	}{
		{"winter, UTC+1", time.Date(2026, time.December, 1, 10, 30, 0, 0, loc), "20261201T093000Z", "20261201T094500Z"},
		{"summer, UTC+2", time.Date(2026, time.July, 1, 10, 30, 0, 0, loc), "20260701T083000Z", "20260701T084500Z"},
		{"the day summer time starts", time.Date(2026, time.March, 29, 8, 0, 0, 0, loc), "20260329T060000Z", "20260329T061500Z"},
		{"just after midnight, still yesterday in UTC", time.Date(2027, time.January, 1, 0, 50, 0, 0, loc), "20261231T235000Z", "20270101T000500Z"},
		{"seconds kept, fractions dropped", time.Date(2026, time.December, 1, 10, 30, 15, 999, loc), "20261201T093015Z", "20261201T094515Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := visit(t)
			e.Start, e.End = tc.start, tc.start.Add(15*time.Minute)
			ics, err := e.ICS()
			if err != nil {
				t.Fatal(err)
			}
			s := unfold(ics)
			if got := property(t, s, "DTSTART"); got != tc.wantStart {
				t.Errorf("DTSTART: got %s, want %s", got, tc.wantStart)
			}
			if got := property(t, s, "DTEND"); got != tc.wantEnd {
				t.Errorf("DTEND: got %s, want %s", got, tc.wantEnd)
			}
		})
	}
}

func TestEventValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*calendar.Event)
		wantErr string // in the error; empty when none is wanted
	}{
		{"valid", func(*calendar.Event) {}, ""},
		{"no optional fields", func(e *calendar.Event) { e.Location, e.Description, e.URL = "", "", "" }, ""},
		{"no uid", func(e *calendar.Event) { e.UID = "" }, "uid"},
		{"no summary", func(e *calendar.Event) { e.Summary = "" }, "summary"},
		{"no start", func(e *calendar.Event) { e.Start = time.Time{} }, "start"},
		{"no end", func(e *calendar.Event) { e.End = time.Time{} }, "end"},
		{"end at start", func(e *calendar.Event) { e.End = e.Start }, "end"},
		{"end before start", func(e *calendar.Event) { e.End = e.Start.Add(-time.Minute) }, "end"},
		{"no created", func(e *calendar.Event) { e.Created = time.Time{} }, "created"},
		{"url with a line break", func(e *calendar.Event) { e.URL = "https://kolejka.example.pl/\r\nX-EVIL:1" }, "url"},
		{"url not UTF-8", func(e *calendar.Event) { e.URL = "https://kolejka.example.pl/\xff" }, "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := visit(t)
			tc.change(&e)
			err := e.Validate()
			ics, icsErr := e.ICS()
			if tc.wantErr == "" {
				if err != nil || icsErr != nil {
					t.Errorf("got %v and %v, want no error", err, icsErr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate: got %v, want an error naming %s", err, tc.wantErr)
			}
			if icsErr == nil || ics != nil {
				t.Errorf("ICS: got %d bytes and %v, want Validate's error", len(ics), icsErr)
			}
		})
	}
}
