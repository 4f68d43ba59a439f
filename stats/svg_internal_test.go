package stats

import "testing"

func TestNiceStep(t *testing.T) {
	cases := []struct {
		top   float64
		whole bool
		want  float64
	}{
		{0, true, 1},
		{1, true, 1}, // 0.2 would be a fraction of a ticket
		{1, false, 0.2},
		{3, true, 1},
		{5, true, 1},
		{7, true, 2},
		{12, true, 5},
		{23, true, 5},
		{48, true, 10},
		{130, true, 50},
		{999, true, 200},
		{0.37, false, 0.1},
	}
	for _, c := range cases {
		if got := niceStep(c.top, c.whole); got != c.want {
			t.Errorf("niceStep(%v, %v): got %v, want %v", c.top, c.whole, got, c.want)
		}
	}
}
