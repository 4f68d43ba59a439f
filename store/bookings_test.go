package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBookings(t *testing.T) {
	db := openTemp(t)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	put := func(w BookingWrite) {
		t.Helper()
		if err := db.PutBooking(w); err != nil {
			t.Fatal(err)
		}
	}
	put(BookingWrite{ID: "b1", Record: []byte(`held`), Personal: []byte(`Jan`), PurgeAfter: day})
	put(BookingWrite{ID: "b2", Record: []byte(`held`), Personal: []byte(`Anna`), PurgeAfter: day.AddDate(0, 0, 30)})
	put(BookingWrite{ID: "b1", Record: []byte(`confirmed`), PurgeAfter: day}) // personal data kept
	put(BookingWrite{ID: "b2", Record: []byte(`expired`), Forget: true, PurgeAfter: day.AddDate(0, 0, 30)})
	put(BookingWrite{ID: "b3", Record: []byte(`held`), PurgeAfter: day.AddDate(0, 0, 30)})

	list := func() string {
		t.Helper()
		var b strings.Builder
		err := db.Bookings(func(id string, rec, personal []byte) error {
			fmt.Fprintf(&b, "%s=%s/%s ", id, rec, personal)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if got, want := list(), "b1=confirmed/Jan b2=expired/ b3=held/ "; got != want {
		t.Fatalf("bookings: got %q, want %q", got, want)
	}
	if _, ok, _ := db.Personal(BookingPersonalRef("b2")); ok {
		t.Fatalf("b2's personal data outlived Forget")
	}
	if n, err := db.PurgeBookings(day); err != nil || n != 1 {
		t.Fatalf("purge on the day: got %d, %v; want 1 (b1)", n, err)
	}
	if got, want := list(), "b2=expired/ b3=held/ "; got != want {
		t.Fatalf("after the purge: got %q, want %q", got, want)
	}
	if _, ok, _ := db.Personal(BookingPersonalRef("b1")); ok {
		t.Fatalf("b1's personal data outlived its record")
	}
}

func TestPutBookingErrors(t *testing.T) {
	db := openTemp(t)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		w    BookingWrite
		want string
	}{
		{"no id", BookingWrite{Record: []byte("x"), PurgeAfter: day}, "empty id"},
		{"no purge time", BookingWrite{ID: "b", Record: []byte("x")}, "zero purge time"},
		{"both", BookingWrite{ID: "b", Personal: []byte("x"), Forget: true, PurgeAfter: day}, "given and forgotten"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.PutBooking(tt.w); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}
