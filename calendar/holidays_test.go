package calendar_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Warsaw without relying on the system's zoneinfo

	"github.com/numerek/numerek/calendar"
)

func warsaw(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func date(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }

func TestEaster(t *testing.T) {
	for _, tc := range []struct {
		name string
		year int
		want calendar.Date
	}{
		{"2024", 2024, date(2024, time.March, 31)},
		{"2025", 2025, date(2025, time.April, 20)},
		{"2026", 2026, date(2026, time.April, 5)},
		{"2027", 2027, date(2027, time.March, 28)},
		{"2038 latest possible", 2038, date(2038, time.April, 25)},
		{"2285 earliest possible", 2285, date(2285, time.March, 22)},
		{"1818 earliest possible", 1818, date(1818, time.March, 22)},
		{"1943 latest possible", 1943, date(1943, time.April, 25)},
		{"2000", 2000, date(2000, time.April, 23)},
		{"2100", 2100, date(2100, time.March, 28)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := calendar.Easter(tc.year)
			if got != tc.want {
				t.Errorf("Easter(%d): got %s, want %s", tc.year, got, tc.want)
			}
			if got.Weekday() != time.Sunday {
				t.Errorf("Easter(%d): got a %s, want a Sunday", tc.year, got.Weekday())
			}
		})
	}
}

func TestHolidays2026(t *testing.T) {
	want := []struct {
		date string
		name string
	}{
		{"2026-01-01", "Nowy Rok"},
		{"2026-01-06", "Święto Trzech Króli"},
		{"2026-04-05", "Wielkanoc"},
		{"2026-04-06", "Poniedziałek Wielkanocny"},
		{"2026-05-01", "Święto Pracy"},
		{"2026-05-03", "Święto Konstytucji 3 Maja"},
		{"2026-05-24", "Zielone Świątki"},
		{"2026-06-04", "Boże Ciało"},
		{"2026-08-15", "Wniebowzięcie Najświętszej Maryi Panny"},
		{"2026-11-01", "Wszystkich Świętych"},
		{"2026-11-11", "Narodowe Święto Niepodległości"},
		{"2026-12-24", "Wigilia Bożego Narodzenia"},
		{"2026-12-25", "Boże Narodzenie"},
		{"2026-12-26", "Drugi dzień Bożego Narodzenia"},
	}
	got := calendar.Holidays(2026)
	if len(got) != len(want) {
		t.Fatalf("Holidays(2026): got %d days, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Date.String() != w.date || got[i].Name != w.name {
			t.Errorf("Holidays(2026)[%d]: got %s %q, want %s %q", i, got[i].Date, got[i].Name, w.date, w.name)
		}
		if got[i].NameEN == "" {
			t.Errorf("Holidays(2026)[%d] %s: NameEN is empty", i, got[i].Date)
		}
	}
}

func TestHolidaysSortedAndOwnYear(t *testing.T) {
	for year := 1990; year <= 2100; year++ {
		hs := calendar.Holidays(year)
		for i, h := range hs {
			if h.Date.Year != year {
				t.Errorf("Holidays(%d)[%d]: got %s, in another year", year, i, h.Date)
			}
			if i > 0 && !hs[i-1].Date.Before(h.Date) {
				t.Errorf("Holidays(%d): %s comes before %s", year, hs[i-1].Date, h.Date)
			}
			if got, ok := calendar.IsHoliday(h.Date); !ok || got != h {
				t.Errorf("IsHoliday(%s): got %v %v, want %v true", h.Date, got, ok, h)
			}
		}
	}
}

func TestWigilia(t *testing.T) {
	for _, tc := range []struct {
		name string
		year int
		want bool
	}{
		{"2024 before the amendment", 2024, false},
		{"2025 first year", 2025, true},
		{"2026", 2026, true},
		{"2030", 2030, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eve := date(tc.year, time.December, 24)
			listed := false
			for _, h := range calendar.Holidays(tc.year) {
				listed = listed || h.Date == eve
			}
			if listed != tc.want {
				t.Errorf("24 December in Holidays(%d): got %v, want %v", tc.year, listed, tc.want)
			}
			if _, ok := calendar.IsHoliday(eve); ok != tc.want {
				t.Errorf("IsHoliday(%s): got %v, want %v", eve, ok, tc.want)
			}
		})
	}
}

func TestIsHoliday(t *testing.T) {
	for _, tc := range []struct {
		date   string
		want   bool
		wantEN string
	}{
		{"2026-01-01", true, "New Year's Day"},
		{"2026-01-02", false, ""},
		{"2026-04-04", false, ""}, // Holy Saturday is a working day
		{"2026-04-05", true, "Easter Sunday"},
		{"2026-04-06", true, "Easter Monday"},
		{"2026-04-07", false, ""},
		{"2026-05-02", false, ""},
		{"2026-05-24", true, "Pentecost Sunday"},
		{"2026-05-25", false, ""}, // Whit Monday is not free in Poland
		{"2026-06-04", true, "Corpus Christi"},
		{"2026-06-05", false, ""},
		{"2026-12-23", false, ""},
		{"2026-12-24", true, "Christmas Eve"},
		{"2026-12-31", false, ""},
		{"2027-03-29", true, "Easter Monday"},
		{"2027-05-27", true, "Corpus Christi"},
		{"2024-12-24", false, ""},
	} {
		t.Run(tc.date, func(t *testing.T) {
			d, err := calendar.ParseDate(tc.date)
			if err != nil {
				t.Fatal(err)
			}
			h, ok := calendar.IsHoliday(d)
			if ok != tc.want || h.NameEN != tc.wantEN {
				t.Errorf("IsHoliday(%s): got %q %v, want %q %v", d, h.NameEN, ok, tc.wantEN, tc.want)
			}
			if ok && h.Date != d {
				t.Errorf("IsHoliday(%s): got the holiday of %s", d, h.Date)
			}
		})
	}
}

func TestIsHolidayConcurrent(t *testing.T) {
	done := make(chan bool)
	for g := range 8 {
		go func() {
			d := date(2020+g, time.January, 1)
			n := 0
			for range 366 * 2 {
				if _, ok := calendar.IsHoliday(d); ok {
					n++
				}
				d = d.AddDays(1)
			}
			done <- n >= 24
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a goroutine found fewer than 24 holidays in two years")
		}
	}
}

func BenchmarkIsHoliday(b *testing.B) {
	d := date(2026, time.December, 31) // no holiday: every rule is tried
	for b.Loop() {
		calendar.IsHoliday(d)
	}
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    calendar.Date
		wantErr string // in the error; empty when none is wanted
	}{
		{"2026-12-24", date(2026, time.December, 24), ""},
		{"2028-02-29", date(2028, time.February, 29), ""},
		{"2026-02-30", calendar.Date{}, "February 2026 has 28 days"},
		{"2026-02-29", calendar.Date{}, "February 2026 has 28 days"},
		{"2026-04-31", calendar.Date{}, "April 2026 has 30 days"},
		{"2026-01-00", calendar.Date{}, "January 2026 has 31 days"},
		{"2026-13-01", calendar.Date{}, "no month 13"},
		{"2026-00-01", calendar.Date{}, "no month 0"},
		{"2026-1-5", calendar.Date{}, "want YYYY-MM-DD"},
		{"", calendar.Date{}, "want YYYY-MM-DD"},
		{"26-01-05", calendar.Date{}, "want YYYY-MM-DD"},
		{"2026/01/05", calendar.Date{}, "want YYYY-MM-DD"},
		{"+202-01-05", calendar.Date{}, "want YYYY-MM-DD"},
		{"2026-01-05 ", calendar.Date{}, "want YYYY-MM-DD"},
		{"2026-01-05T00:00:00Z", calendar.Date{}, "want YYYY-MM-DD"},
		{"2026-０1-05", calendar.Date{}, "want YYYY-MM-DD"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := calendar.ParseDate(tc.in)
			if tc.wantErr == "" {
				if err != nil || got != tc.want {
					t.Errorf("ParseDate(%q): got %v, %v, want %v", tc.in, got, err, tc.want)
				}
				if got.String() != tc.in {
					t.Errorf("ParseDate(%q).String(): got %q", tc.in, got.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseDate(%q): got %v, want an error", tc.in, got)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), `"`+tc.in+`"`) {
				t.Errorf("ParseDate(%q): got error %q, want one naming the input and saying %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	for _, tc := range []struct {
		name string
		from calendar.Date
		n    int
		want calendar.Date
	}{
		{"zero", date(2026, time.May, 3), 0, date(2026, time.May, 3)},
		{"month end", date(2026, time.January, 31), 1, date(2026, time.February, 1)},
		{"February, common year", date(2026, time.February, 28), 1, date(2026, time.March, 1)},
		{"February, leap year", date(2028, time.February, 28), 1, date(2028, time.February, 29)},
		{"year end", date(2026, time.December, 31), 1, date(2027, time.January, 1)},
		{"back over year end", date(2027, time.January, 1), -1, date(2026, time.December, 31)},
		{"30 days ahead over year end", date(2026, time.December, 15), 30, date(2027, time.January, 14)},
		{"into summer time", date(2026, time.March, 28), 1, date(2026, time.March, 29)},
		{"over summer time", date(2026, time.March, 28), 2, date(2026, time.March, 30)},
		{"over winter time", date(2026, time.October, 24), 2, date(2026, time.October, 26)},
		{"a year", date(2026, time.March, 1), 365, date(2027, time.March, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.from.AddDays(tc.n); got != tc.want {
				t.Errorf("%s.AddDays(%d): got %s, want %s", tc.from, tc.n, got, tc.want)
			}
		})
	}
}

// TestDaysAcrossClockChanges: consecutive days' midnights in Warsaw are 23
// and 25 hours apart on the days the clocks change, and In then DateOf
// gives back the same day.
func TestDaysAcrossClockChanges(t *testing.T) {
	loc := warsaw(t)
	for _, tc := range []struct {
		day  calendar.Date
		want time.Duration
	}{
		{date(2026, time.March, 28), 24 * time.Hour},
		{date(2026, time.March, 29), 23 * time.Hour},
		{date(2026, time.October, 25), 25 * time.Hour},
		{date(2026, time.October, 26), 24 * time.Hour},
	} {
		t.Run(tc.day.String(), func(t *testing.T) {
			start, end := tc.day.In(loc), tc.day.AddDays(1).In(loc)
			if got := end.Sub(start); got != tc.want {
				t.Errorf("%s in Warsaw: got %v long, want %v", tc.day, got, tc.want)
			}
			if start.Hour() != 0 || start.Minute() != 0 {
				t.Errorf("%s.In(Warsaw): got %s, want midnight", tc.day, start)
			}
			if got := calendar.DateOf(start); got != tc.day {
				t.Errorf("DateOf(%s): got %s, want %s", start, got, tc.day)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	loc := warsaw(t)
	for _, tc := range []struct {
		name    string
		at      time.Time
		want    calendar.Date
		wantUTC calendar.Date
	}{
		{
			"just after midnight on New Year's Day",
			time.Date(2026, time.January, 1, 0, 30, 0, 0, loc),
			date(2026, time.January, 1), date(2025, time.December, 31),
		},
		{
			"just after midnight in summer",
			time.Date(2026, time.July, 1, 1, 59, 0, 0, loc),
			date(2026, time.July, 1), date(2026, time.June, 30),
		},
		{
			"midday",
			time.Date(2026, time.July, 1, 12, 0, 0, 0, loc),
			date(2026, time.July, 1), date(2026, time.July, 1),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := calendar.DateOf(tc.at); got != tc.want {
				t.Errorf("DateOf(%s): got %s, want %s", tc.at, got, tc.want)
			}
			if got := calendar.DateOf(tc.at.UTC()); got != tc.wantUTC {
				t.Errorf("DateOf(%s): got %s, want %s", tc.at.UTC(), got, tc.wantUTC)
			}
		})
	}
}

func TestDateWeekdayAndOrder(t *testing.T) {
	a, b := date(2026, time.December, 24), date(2027, time.January, 1)
	if got := a.Weekday(); got != time.Thursday {
		t.Errorf("%s.Weekday(): got %s, want Thursday", a, got)
	}
	if got := b.Weekday(); got != time.Friday {
		t.Errorf("%s.Weekday(): got %s, want Friday", b, got)
	}
	for _, tc := range []struct {
		name          string
		x, y          calendar.Date
		before, after bool
	}{
		{"earlier year", a, b, true, false},
		{"later year", b, a, false, true},
		{"same day", a, a, false, false},
		{"earlier month", date(2026, time.November, 30), a, true, false},
		{"later day", date(2026, time.December, 25), a, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.x.Before(tc.y); got != tc.before {
				t.Errorf("%s.Before(%s): got %v, want %v", tc.x, tc.y, got, tc.before)
			}
			if got := tc.x.After(tc.y); got != tc.after {
				t.Errorf("%s.After(%s): got %v, want %v", tc.x, tc.y, got, tc.after)
			}
		})
	}
}
