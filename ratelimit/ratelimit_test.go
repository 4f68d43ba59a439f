package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		at    []time.Duration // attempts of key "a", after t0
		want  []bool
		other bool // an attempt of key "b" at the end
	}{
		{"under the limit", []time.Duration{0, time.Minute}, []bool{true, true}, true},
		{"the fourth within the hour", []time.Duration{0, time.Minute, 2 * time.Minute, 59 * time.Minute}, []bool{true, true, true, false}, true},
		{"the window slides", []time.Duration{0, time.Minute, 2 * time.Minute, time.Hour}, []bool{true, true, true, true}, true},
		{"refused attempts do not count", []time.Duration{0, 1, 2, 3, 4, time.Hour + 2}, []bool{true, true, true, false, false, true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(3, time.Hour)
			for i, d := range tt.at {
				if got := w.Allow("a", t0.Add(d)); got != tt.want[i] {
					t.Errorf("attempt %d at +%v: got %v, want %v", i, d, got, tt.want[i])
				}
			}
			if got := w.Allow("b", t0.Add(tt.at[len(tt.at)-1])); got != tt.other {
				t.Errorf("another key: got %v, want %v", got, tt.other)
			}
		})
	}
}

func TestWindowRemaining(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	w := New(2, time.Hour)
	if got := w.Remaining("a", t0); got != 2 {
		t.Fatalf("fresh key: got %d, want 2", got)
	}
	w.Allow("a", t0)
	w.Allow("a", t0)
	w.Allow("a", t0)
	if got := w.Remaining("a", t0.Add(time.Minute)); got != 0 {
		t.Fatalf("after three attempts: got %d, want 0", got)
	}
	if got := w.Remaining("a", t0.Add(time.Hour)); got != 2 {
		t.Fatalf("an hour later: got %d, want 2", got)
	}
}

// TestWindowForgetsIdleKeys checks that many keys do not make it grow
// without bound.
func TestWindowForgetsIdleKeys(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	w := New(1, time.Minute)
	for i := range maxKeys + 1 {
		w.Allow(fmt.Sprint(i), t0)
	}
	w.Allow("late", t0.Add(2*time.Minute))
	if got := len(w.hits); got != 1 {
		t.Fatalf("keys kept: got %d, want 1 (only the recent one)", got)
	}
}
