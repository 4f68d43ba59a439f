package controller

import (
	"os"
	"testing"
	"time"

	"github.com/numerek/numerek/calendar"
)

// TestParseConfigBooking checks that the booking's settings reach
// booking.Config.
func TestParseConfigBooking(t *testing.T) {
	data, err := os.ReadFile("testdata/config/good-booking.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	b := c.Booking
	dec := func(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }
	tests := []struct {
		name      string
		got, want any
	}{
		{"days", b.Days, 14},
		{"lead", b.Lead, 2 * time.Hour},
		{"hold", b.Hold, 10 * time.Minute},
		{"active per contact", b.ActivePerContact, 1},
		{"codes per contact", b.CodesPerContact, 3},
		{"codes per address", b.CodesPerAddress, 5},
		{"holds per address", b.HoldsPerAddress, 10},
		{"codes per hour", b.CodesPerHour, 50},
		{"personal data days", b.PersonalDataDays, 30},
		{"slot of A", b.Slots["A"], 30 * time.Minute},
		{"closed everywhere", len(b.Closed[""]) == 1 && b.Closed[""][0] == dec(2026, 12, 31), true},
		{"closed at centrum", len(b.Closed["centrum"]) == 2 && b.Closed["centrum"][1] == dec(2026, 12, 29), true},
		{"booked prefix", c.Branch.Rules.BookedPrefix, "W"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
