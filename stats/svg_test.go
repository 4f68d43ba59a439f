package stats_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/stats"
)

// charts are the golden charts, each drawn from the example day.
func charts(t *testing.T) map[string][]byte {
	t.Helper()
	r := stats.Compute(exampleVisits(t), exampleOptions())
	labels, series := stats.PerHourSeries(r)
	hourly := stats.Chart{
		Title:  "Bilety według godziny i sprawy, 2 marca 2026",
		Desc:   "Słupki: bilety wydane w każdej godzinie, podzielone na sprawy. 8:00–9:00: 5 biletów (A 3, B 2); 9:00–10:00: 2 (A); 10:00–11:00: 1 (A); 11:00–12:00: 1 (B).",
		XLabel: "godzina",
		YLabel: "bilety",
		Labels: labels, Series: series, Stacked: true,
	}
	waits := stats.HistogramChart(r.Total.Wait.Values, 5*time.Minute, r.Target)
	waits.Title = "Czas oczekiwania, 2 marca 2026"
	waits.Desc = "Liczba wezwanych klientów według czasu oczekiwania w przedziałach 5 minut; linia: cel 15 minut. 4 z 7 wezwanych w ciągu 15 minut."
	waits.YLabel = "klienci"
	var served []float64
	var clerks []string
	var medians []float64
	for _, c := range r.Clerks {
		clerks = append(clerks, c.Clerk)
		served = append(served, float64(c.Served))
		medians = append(medians, c.ServiceTime.Median.Minutes())
	}
	grouped := stats.Chart{
		Title:  `Clerks: served & median service time <"min">`,
		Desc:   "Side by side: clients served and the median minutes at the counter, per clerk.",
		Labels: clerks,
		Series: []stats.Series{{Name: "served", Values: served}, {Name: "median minutes", Values: medians}},
	}
	return map[string][]byte{
		"hours.svg":   hourly.SVG(),
		"waits.svg":   waits.SVG(),
		"grouped.svg": grouped.SVG(),
		"empty.svg":   stats.BarChart("Bilety według godziny", "Brak biletów w tym okresie.", nil, nil),
		"many.svg":    manyChart(),
	}
}

// manyChart has every pattern and colour, and labels too long to stand
// upright.
func manyChart() []byte {
	var labels []string
	for i := range 8 {
		labels = append(labels, "Stanowisko "+strconv.Itoa(i+1))
	}
	var series []stats.Series
	for j, name := range strings.Fields("A B C D E F G H") {
		s := stats.Series{Name: name}
		for i := range labels {
			s.Values = append(s.Values, float64((i+2*j)%4)+0.5*float64(j%2))
		}
		series = append(series, s)
	}
	return stats.BarChart("Osiem spraw", "Każdy wzór i kolor; etykiety obrócone.", labels, series)
}

func TestChartsGolden(t *testing.T) {
	for name, svg := range charts(t) {
		t.Run(name, func(t *testing.T) { golden(t, name, svg) })
	}
}

// TestChartsAreAccessible parses every chart as XML and checks what a
// screen reader and a reader with poor sight need.
func TestChartsAreAccessible(t *testing.T) {
	for name, svg := range charts(t) {
		t.Run(name, func(t *testing.T) {
			d := xml.NewDecoder(bytes.NewReader(svg))
			var root *xml.StartElement
			ids := map[string]string{} // id → text of the element
			var path []string
			var openID string
			texts := 0
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("not XML: %v", err)
				}
				switch tok := tok.(type) {
				case xml.StartElement:
					if root == nil {
						root = &tok
					}
					path = append(path, tok.Name.Local)
					openID = attr(tok, "id")
					if tok.Name.Local == "text" {
						texts++
					}
					if fs := attr(tok, "font-size"); fs != "" {
						if n, err := strconv.ParseFloat(fs, 64); err != nil || n < 12 {
							t.Errorf("<%s> font-size %q: want 12 or more", tok.Name.Local, fs)
						}
					}
				case xml.CharData:
					if openID != "" {
						ids[openID] += string(tok)
					}
				case xml.EndElement:
					path = path[:len(path)-1]
					openID = ""
				}
			}
			if root == nil || root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" {
				t.Fatalf("root: got %+v, want an svg element", root)
			}
			if got := attr(*root, "role"); got != "img" {
				t.Errorf("role: got %q, want img", got)
			}
			if vb := strings.Fields(attr(*root, "viewBox")); len(vb) != 4 {
				t.Errorf("viewBox: got %q, want four numbers", attr(*root, "viewBox"))
			}
			labelled := strings.Fields(attr(*root, "aria-labelledby"))
			if len(labelled) != 2 || !strings.HasSuffix(labelled[0], "-title") || !strings.HasSuffix(labelled[1], "-desc") {
				t.Fatalf("aria-labelledby: got %q, want the title's and the desc's ids", labelled)
			}
			for _, id := range labelled {
				if strings.TrimSpace(ids[id]) == "" {
					t.Errorf("aria-labelledby names %q, which is missing or empty", id)
				}
			}
			if texts == 0 {
				t.Errorf("no visible text")
			}
		})
	}
	// The title and desc say what they were given, escaped and read back.
	svg := stats.BarChart(`A & B <"quoted">`, "ł ó ż & <desc>", []string{"x<1"}, []stats.Series{{Name: "a&b", Values: []float64{1}}})
	var doc struct {
		Title string `xml:"title"`
		Desc  string `xml:"desc"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Title != `A & B <"quoted">` || doc.Desc != "ł ó ż & <desc>" {
		t.Errorf("got title %q, desc %q", doc.Title, doc.Desc)
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestHistogramChart(t *testing.T) {
	cases := []struct {
		name   string
		values []time.Duration
		bin    time.Duration
		mark   time.Duration
		labels []string
		counts []float64
		markAt float64 // -1: no mark
	}{
		{
			name:   "an edge belongs to the bin it ends; the mark's bin and one more are shown",
			values: []time.Duration{0, 5 * m, 5*m + time.Second, 9 * m},
			bin:    5 * m, mark: 15 * m,
			labels: []string{"0–5", "5–10", "10–15", "15–20"},
			counts: []float64{2, 2, 0, 0},
			markAt: 3,
		},
		{
			name:   "the last bin takes the longest waits",
			values: []time.Duration{time.Minute, 3 * time.Hour},
			bin:    5 * m,
			labels: append(binLabels(23), ">115"),
			counts: append(append([]float64{1}, make([]float64, 22)...), 1),
			markAt: -1,
		},
		{
			name:   "no values: nothing to draw",
			bin:    0, // 5 minutes
			mark:   15 * m,
			markAt: 3,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := stats.HistogramChart(c.values, c.bin, c.mark)
			if !reflect.DeepEqual(ch.Labels, c.labels) {
				t.Errorf("labels: got %q, want %q", ch.Labels, c.labels)
			}
			var counts []float64
			if len(ch.Series) > 0 {
				counts = ch.Series[0].Values
			}
			if !reflect.DeepEqual(counts, c.counts) {
				t.Errorf("counts: got %v, want %v", counts, c.counts)
			}
			switch {
			case c.markAt < 0 && ch.Mark != nil:
				t.Errorf("mark: got %+v, want none", ch.Mark)
			case c.markAt >= 0 && (ch.Mark == nil || ch.Mark.At != c.markAt || ch.Mark.Label != "15 min"):
				t.Errorf("mark: got %+v, want at %v labelled 15 min", ch.Mark, c.markAt)
			}
		})
	}
}

func binLabels(n int) []string {
	var out []string
	for i := range n {
		out = append(out, strconv.Itoa(5*i)+"–"+strconv.Itoa(5*i+5))
	}
	return out
}

func TestPerHourSeries(t *testing.T) {
	r := stats.Compute(exampleVisits(t), exampleOptions())
	labels, series := stats.PerHourSeries(r)
	if want := []string{"08", "09", "10", "11"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("labels: got %q, want %q", labels, want)
	}
	want := []stats.Series{
		{Name: "A – Rejestracja pojazdów", Values: []float64{3, 2, 1, 0}},
		{Name: "B – Prawa jazdy", Values: []float64{2, 0, 0, 1}},
	} // C had no tickets: no series
	if !reflect.DeepEqual(series, want) {
		t.Errorf("series: got %+v, want %+v", series, want)
	}
	if l, s := stats.PerHourSeries(stats.Compute(nil, exampleOptions())); l != nil || s != nil {
		t.Errorf("no tickets: got %q %+v, want nothing", l, s)
	}
}
