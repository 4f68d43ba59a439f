package display

import (
	"fmt"
	"testing"
	"time"

	"github.com/numerek/numerek/display/screentest"
	"github.com/numerek/numerek/queue"
	"github.com/numerek/numerek/queue/queuetest"
)

// TestLayoutFits lays every screen out at resolutions from a small desk
// screen to 4K, landscape and portrait, in both languages, and checks that
// every rectangle and every text lies within the screen, and that the
// big numbers are big.
func TestLayoutFits(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 41, 20, 0, queuetest.Warsaw)
	long := screentest.Hall(now)
	long.Name = "Biuro Obsługi Mieszkańców – Centrum Handlowe Copernicus, poziom 1"
	empty := screentest.Hall(now)
	empty.Waiting, empty.Recent = nil, nil
	views := map[string]queue.View{"busy": screentest.Hall(now), "long name": long, "empty": empty}
	sizes := [][2]int{{1920, 1080}, {1280, 720}, {1080, 1920}, {720, 1280}, {800, 480}, {1024, 768}, {3840, 2160}, {480, 800}}
	for name, v := range views {
		for _, o := range []Options{{Info: "Zapraszamy do składania wniosków przez internet: wszystkie sprawy urzędowe w jednym miejscu"},
			{Language: "en"}, {Role: Desk, Counter: 1}, {Role: Desk, Counter: 4, Language: "en"}, {Role: Desk, Counter: 10}} {
			for _, size := range sizes {
				t.Run(fmt.Sprintf("%s/%s%d-%s/%dx%d", name, o.Role, o.Counter, o.Language, size[0], size[1]), func(t *testing.T) {
					o.TZ = queuetest.Warsaw
					s := NewScene(o, queuetest.NewClock(now))
					s.Snapshot(v)
					s.SetOnline(true)
					f, _ := s.Frame(size[0], size[1])
					w, h := float64(size[0]), float64(size[1])
					const eps = 0.5
					for _, it := range f.Items {
						switch it.Kind {
						case Rect:
							if it.X < -eps || it.Y < -eps || it.X+it.W > w+eps || it.Y+it.H > h+eps || it.W <= 0 || it.H <= 0 {
								t.Errorf("%s: rectangle %.0f,%.0f %.0fx%.0f is off the screen", it.Tag, it.X, it.Y, it.W, it.H)
							}
						case Text:
							tw := s.m.width(it.Face, it.Size, it.Text)
							left := it.X - [...]float64{Left: 0, Center: tw / 2, Right: tw}[it.Align]
							top := it.Y - s.m.capHeight(it.Face, it.Size)
							if left < -eps || left+tw > w+eps || top < -eps || it.Y > h+eps {
								t.Errorf("%s: %q (%.0f px wide at %.0f,%.0f) runs off the screen", it.Tag, it.Text, tw, left, it.Y)
							}
						}
					}
					big := "newest.number"
					switch {
					case o.Role == Desk:
						big = "desk.counter"
					case len(v.Recent) == 0:
						if _, ok := f.Find("newest.none"); !ok {
							t.Error("no calls, and no newest.none saying so")
						}
						return
					}
					if it, ok := f.Find(big); !ok || it.Size < min(w, h)/8 {
						t.Errorf("%s: got %+v, want it at least an eighth of the screen's height", big, it)
					}
				})
			}
		}
	}
}
