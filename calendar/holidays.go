package calendar

import (
	"fmt"
	"slices"
	"time"
)

// Date is a day of the Gregorian calendar, with no time of day and no zone.
// The zero Date is not a valid day. Dates are comparable with ==, so they
// can be map keys, as long as they come from DateOf, ParseDate or AddDays,
// which always give a normalised day (never 30 February).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the date of t in t's own location: 00:30 on 1 January in
// Europe/Warsaw is 1 January, although it is still 31 December in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses a date written exactly as YYYY-MM-DD ("2026-12-24"):
// four-digit year, two-digit month and day, and a day that exists.
func ParseDate(s string) (Date, error) {
	if len(s) != len("2006-01-02") || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	y, okY := atoi(s[0:4])
	m, okM := atoi(s[5:7])
	d, okD := atoi(s[8:10])
	if !okY || !okM || !okD {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	if m < 1 || m > 12 {
		return Date{}, fmt.Errorf("parse date %q: there is no month %d", s, m)
	}
	if n := daysIn(y, time.Month(m)); d < 1 || d > n {
		return Date{}, fmt.Errorf("parse date %q: %s %d has %d days", s, time.Month(m), y, n)
	}
	return Date{y, time.Month(m), d}, nil
}

// atoi reads a string of ASCII digits only: no sign, no spaces.
func atoi(s string) (int, bool) {
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String writes d as YYYY-MM-DD, the form ParseDate reads.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.utc().Weekday()
}

// AddDays is the date n days after d (before it when n is negative). It
// counts calendar days, so it is not upset by changes to summer time.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Compare returns -1 if d is before e, 0 if they are the same day and +1 if
// d is after e, to sort with slices.SortFunc(dates, Date.Compare).
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return +1
	}
	return 0
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// In is the midnight that starts d in loc, which must not be nil. Where a
// clock change skips midnight, time.Date's rule applies (the first instant
// of the day that exists).
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (d Date) utc() time.Time { return d.In(time.UTC) }

// Holiday is a statutory non-working day in Poland.
type Holiday struct {
	Date   Date
	Name   string // in Polish, as people say it: "Boże Narodzenie"
	NameEN string // in English: "Christmas Day"
}

// rule is one holiday: a fixed day of the year, or a number of days after
// Easter Sunday when month is 0. It applies from the year from on (every
// year when from is 0).
type rule struct {
	month  time.Month
	day    int
	easter int
	from   int
	name   string
	nameEN string
}

// rules are the days of art. 1 pkt 1 of the act on non-working days as it
// stands in 2026. Wigilia was added by the act of 6 December 2024, in force
// from 1 February 2025. Older changes are not kept (6 January is free only
// since 2011): bookings never reach back that far.
var rules = []rule{
	{month: time.January, day: 1, name: "Nowy Rok", nameEN: "New Year's Day"},
	{month: time.January, day: 6, name: "Święto Trzech Króli", nameEN: "Epiphany"},
	{easter: 0, name: "Wielkanoc", nameEN: "Easter Sunday"},
	{easter: 1, name: "Poniedziałek Wielkanocny", nameEN: "Easter Monday"},
	{month: time.May, day: 1, name: "Święto Pracy", nameEN: "Labour Day"},
	{month: time.May, day: 3, name: "Święto Konstytucji 3 Maja", nameEN: "Constitution Day"},
	{easter: 49, name: "Zielone Świątki", nameEN: "Pentecost Sunday"},
	{easter: 60, name: "Boże Ciało", nameEN: "Corpus Christi"},
	{month: time.August, day: 15, name: "Wniebowzięcie Najświętszej Maryi Panny", nameEN: "Assumption of Mary"},
	{month: time.November, day: 1, name: "Wszystkich Świętych", nameEN: "All Saints' Day"},
	{month: time.November, day: 11, name: "Narodowe Święto Niepodległości", nameEN: "Independence Day"},
	{month: time.December, day: 24, from: 2025, name: "Wigilia Bożego Narodzenia", nameEN: "Christmas Eve"},
	{month: time.December, day: 25, name: "Boże Narodzenie", nameEN: "Christmas Day"},
	{month: time.December, day: 26, name: "Drugi dzień Bożego Narodzenia", nameEN: "Second Day of Christmas"},
}

// date is the rule's day in year, given that year's Easter Sunday.
func (r rule) date(year int, easter Date) Date {
	if r.month == 0 {
		return easter.AddDays(r.easter)
	}
	return Date{year, r.month, r.day}
}

// Holidays lists the Polish public holidays of year, sorted by date. The
// slice is new on every call; the caller may change it.
func Holidays(year int) []Holiday {
	easter := Easter(year)
	hs := make([]Holiday, 0, len(rules))
	for _, r := range rules {
		if year >= r.from {
			hs = append(hs, Holiday{r.date(year, easter), r.name, r.nameEN})
		}
	}
	slices.SortFunc(hs, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return hs
}

// IsHoliday reports whether d is a Polish public holiday, and which. It
// works the rules out for d alone rather than caching years: about 0.1 µs
// a call, no allocation, no shared state, so it is safe for concurrent use
// and nothing grows whatever years it is asked about.
func IsHoliday(d Date) (Holiday, bool) {
	var easter Date
	for _, r := range rules {
		if d.Year < r.from {
			continue
		}
		if r.month == 0 && easter == (Date{}) {
			easter = Easter(d.Year)
		}
		if r.date(d.Year, easter) == d {
			return Holiday{d, r.name, r.nameEN}, true
		}
	}
	return Holiday{}, false
}

// Easter is Easter Sunday of year by the Gregorian computus (the
// "anonymous" algorithm in Meeus, Astronomical Algorithms, ch. 8). It is
// meaningful for the Gregorian calendar, from 1583 on.
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return Date{year, time.Month(n / 31), n%31 + 1}
}
