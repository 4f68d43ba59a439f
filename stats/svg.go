package stats

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Series is one named row of values of a chart, one value per label.
type Series struct {
	Name   string
	Values []float64
}

// Marker is a vertical reference line across a chart, such as the wait
// target on a histogram.
type Marker struct {
	At    float64 // in bars from the left edge: 0 is left of the first bar, 1 between the first and second
	Label string
}

// Chart is a bar chart drawn as SVG by its SVG method. Only Labels and
// Series are needed; the rest has defaults.
//
// The SVG is a standalone image that scales (it has a viewBox) and is
// accessible: role="img" labelled by its <title> and described by its
// <desc>, so a screen reader reads Title and Desc (say what the chart
// shows and its main figures in Desc; the page should also offer the
// figures as a table or CSV). Text is at least 12px at its natural size.
// The colours are the Okabe–Ito palette, which colour-blind readers can
// tell apart, and each series also has its own pattern (solid, hatched,
// dotted, …), repeated in the legend, with a dark outline on every bar;
// bars carry their values as direct labels.
type Chart struct {
	Title  string // shown on top, and the image's accessible name
	Desc   string // the image's accessible description
	XLabel string // axis titles, optional
	YLabel string
	Labels []string // one per bar (or group or stack of bars)
	Series []Series
	// Stacked stacks the series' bars on each other (for parts of a
	// whole, such as tickets per hour per service); otherwise they stand
	// side by side.
	Stacked bool
	Mark    *Marker
	// NoData is shown when there is nothing to draw; "Brak danych" by
	// default.
	NoData string
	// ID prefixes the ids of the SVG's elements, which must be unique in
	// an HTML page that holds several charts; by default it is made from
	// a hash of the chart.
	ID string
}

// BarChart draws stacked bars of series over labels: see Chart.
func BarChart(title, desc string, labels []string, series []Series) []byte {
	return Chart{Title: title, Desc: desc, Labels: labels, Series: series, Stacked: true}.SVG()
}

// Histogram draws how values spread over bins of width bin (5 minutes if
// bin is not positive), with a line at mark when it is positive (the wait
// target): see HistogramChart.
func Histogram(title, desc string, values []time.Duration, bin, mark time.Duration) []byte {
	c := HistogramChart(values, bin, mark)
	c.Title, c.Desc = title, desc
	return c.SVG()
}

// maxBins is how many bins a histogram has at most; the last one takes
// everything longer.
const maxBins = 24

// HistogramChart counts values into bins of width bin, labelled in minutes.
// A bin holds the values above its start up to and including its end ("5–10"
// is more than 5 and at most 10 minutes; the first bin holds 0 too), so that
// everything left of a mark at a bin edge is at most the mark. When more
// than maxBins bins would be needed, the last one takes everything longer
// (">115"). Set the chart's Title, Desc and YLabel before drawing it.
func HistogramChart(values []time.Duration, bin, mark time.Duration) Chart {
	if bin <= 0 {
		bin = 5 * time.Minute
	}
	binOf := func(d time.Duration) int {
		if d <= 0 {
			return 0
		}
		return int((d+bin-1)/bin) - 1
	}
	n := 1
	for _, v := range values {
		n = max(n, binOf(v)+1)
	}
	if mark > 0 {
		n = max(n, binOf(mark)+2)
	}
	n = min(n, maxBins)
	counts := make([]float64, n)
	for _, v := range values {
		counts[min(binOf(v), n-1)]++
	}
	minutes := func(d time.Duration) string { return strconv.FormatFloat(d.Minutes(), 'f', -1, 64) }
	labels := make([]string, n)
	for i := range labels {
		labels[i] = minutes(time.Duration(i)*bin) + "–" + minutes(time.Duration(i+1)*bin)
	}
	if n == maxBins {
		labels[n-1] = ">" + minutes(time.Duration(n-1)*bin)
	}
	c := Chart{XLabel: "min", Labels: labels, Series: []Series{{Values: counts}}}
	if len(values) == 0 {
		c.Labels, c.Series = nil, nil
	}
	if at := float64(mark) / float64(bin); mark > 0 && at <= float64(n) {
		c.Mark = &Marker{At: at, Label: minutes(mark) + " min"}
	}
	return c
}

// PerHourSeries returns the tickets issued per local hour and service of a
// report, for a stacked BarChart: labels "08", "09", … from the first to the
// last hour with any ticket (none when there were no tickets), and one
// series per service with any ticket, named "A – name".
func PerHourSeries(r Report) (labels []string, series []Series) {
	first, last := -1, -1
	for h, n := range r.Total.PerHour {
		if n > 0 {
			if first < 0 {
				first = h
			}
			last = h
		}
	}
	if first < 0 {
		return nil, nil
	}
	for h := first; h <= last; h++ {
		labels = append(labels, fmt.Sprintf("%02d", h))
	}
	for _, f := range r.Services {
		if f.Issued == 0 {
			continue
		}
		s := Series{Name: f.Service}
		if f.Name != "" {
			s.Name += " – " + f.Name
		}
		for h := first; h <= last; h++ {
			s.Values = append(s.Values, float64(f.PerHour[h]))
		}
		series = append(series, s)
	}
	return labels, series
}

// The palette (Okabe and Ito, "Color Universal Design") and the patterns
// that tell the series apart without colour.
var (
	palette  = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}
	patterns = []string{
		"",                                  // solid
		"M-2,2 L2,-2 M0,8 L8,0 M6,10 L10,6", // diagonal /
		"dots",                              // dots
		"M0,4 H8",                           // horizontal
		"M0,0 L8,8 M8,0 L0,8",               // crosshatch
		"M4,0 V8",                           // vertical
		"M-2,6 L2,10 M0,0 L8,8 M6,-2 L10,2", // diagonal \
		"M0,4 H8 M4,0 V8",                   // grid
	}
)

// Sizes of the drawing, in px of the viewBox.
const (
	fontFamily  = "DejaVu Sans, Verdana, Arial, sans-serif"
	titleSize   = 18
	labelSize   = 14 // axis titles, legend
	tickSize    = 13 // tick labels
	valueSize   = 12 // direct labels on bars
	margin      = 16
	plotHeight  = 260
	minPlot     = 480 // narrowest plot area
	outline     = "#1a1a1a"
	gridColour  = "#c8c8c8"
	minBand     = 40 // width of a label's band
	maxBarWidth = 56
)

// textWidth estimates the width of s at size px: enough to lay out labels
// without measuring fonts.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}

// niceStep returns a round tick step (1, 2 or 5 × 10^k) that divides
// 0..top into about five steps; at least 1 when whole is set.
func niceStep(top float64, whole bool) float64 {
	if top <= 0 {
		return 1
	}
	raw := top / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if whole && step < 1 {
		step = 1
	}
	return step
}

// num formats a value or a coordinate shortly: at most two decimals.
func num(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writes to a strings.Builder cannot fail
	return b.String()
}

// SVG draws the chart.
func (c Chart) SVG() []byte {
	id := c.ID
	if id == "" {
		h := fnv.New32a()
		fmt.Fprintf(h, "%q %q %q %v", c.Title, c.Desc, c.Labels, c.Series)
		id = fmt.Sprintf("chart-%08x", h.Sum32())
	}
	noData := c.NoData
	if noData == "" {
		noData = "Brak danych"
	}
	n := len(c.Labels)
	empty := n == 0 || len(c.Series) == 0

	// The values' range, and whether they are all whole numbers.
	top, whole := 0.0, true
	for i := range n {
		sum := 0.0
		for _, s := range c.Series {
			v := value(s, i)
			whole = whole && v == math.Trunc(v)
			if c.Stacked {
				sum += v
			} else {
				top = max(top, v)
			}
		}
		top = max(top, sum)
	}
	step := niceStep(top, whole)
	yMax := math.Max(step, math.Ceil(top/step-1e-9)*step)
	ticks := int(math.Round(yMax / step))

	// Horizontal layout: the y axis, then one band per label.
	k := max(len(c.Series), 1)
	band := float64(minBand)
	if !c.Stacked {
		band = math.Max(band, float64(k*18+14))
	}
	tickW := 0.0
	for i := 0; i <= ticks; i++ {
		tickW = math.Max(tickW, textWidth(num(float64(i)*step), tickSize))
	}
	left := margin + tickW + 8
	if c.YLabel != "" {
		left += labelSize + 8
	}
	plotW := math.Max(float64(n)*band, minPlot)
	band = plotW / float64(max(n, 1))
	maxLabel := 0.0
	for _, l := range c.Labels {
		maxLabel = math.Max(maxLabel, textWidth(l, tickSize))
	}
	rotate := maxLabel > band-4 // then the labels are turned by 45°, ending under their bars
	if rotate {
		left = math.Max(left, margin+maxLabel*math.Sqrt2/2-band/2)
	}
	width := left + plotW + margin

	// Vertical layout: title, legend, plot, x labels, x axis title.
	y := float64(margin)
	if c.Title != "" {
		y += titleSize + 8
	}
	type legendItem struct {
		x, y float64
		i    int
	}
	var legend []legendItem
	named := false
	for _, s := range c.Series {
		named = named || s.Name != ""
	}
	if named && !empty {
		x := float64(margin)
		y += 4
		for i, s := range c.Series {
			w := 18 + 6 + textWidth(s.Name, labelSize) + 20
			if x > margin && x+w > width-margin {
				x, y = margin, y+26
			}
			legend = append(legend, legendItem{x, y, i})
			x += w
		}
		y += 26
	}
	plotTop := y + 12
	if c.Mark != nil && c.Mark.Label != "" {
		plotTop += tickSize + 8 // a row of its own, above the labels on the bars
	}
	plotBottom := plotTop + plotHeight
	height := plotBottom + 8 + tickSize + 4
	if rotate {
		height = plotBottom + 8 + maxLabel*math.Sin(math.Pi/4) + tickSize
	}
	if c.XLabel != "" {
		height += labelSize + 12
	}
	height += margin
	yAt := func(v float64) float64 { return plotBottom - v/yMax*plotHeight }

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-labelledby="%s-title %s-desc" font-family="%s" font-size="%d">`+"\n",
		num(width), num(height), num(width), num(height), id, id, fontFamily, labelSize)
	p(`<title id="%s-title">%s</title>`+"\n", id, esc(c.Title))
	p(`<desc id="%s-desc">%s</desc>`+"\n", id, esc(c.Desc))
	p("<defs>\n")
	for i := range c.Series {
		colour := palette[i%len(palette)]
		ink := "#ffffff"
		if light(colour) {
			ink = "#000000"
		}
		p(`<pattern id="%s-p%d" width="8" height="8" patternUnits="userSpaceOnUse">`, id, i)
		p(`<rect width="8" height="8" fill="%s"/>`, colour)
		switch pat := patterns[i%len(patterns)]; pat {
		case "":
		case "dots":
			p(`<circle cx="4" cy="4" r="1.8" fill="%s"/>`, ink)
		default:
			p(`<path d="%s" stroke="%s" stroke-width="1.5"/>`, pat, ink)
		}
		p("</pattern>\n")
	}
	p("</defs>\n")
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	if c.Title != "" {
		p(`<text x="%d" y="%s" font-size="%d" font-weight="bold" fill="#000000">%s</text>`+"\n",
			margin, num(margin+titleSize-4), titleSize, esc(c.Title))
	}
	for _, it := range legend {
		p(`<rect x="%s" y="%s" width="18" height="18" fill="url(#%s-p%d)" stroke="%s"/>`,
			num(it.x), num(it.y), id, it.i, outline)
		p(`<text x="%s" y="%s" fill="#000000">%s</text>`+"\n",
			num(it.x+24), num(it.y+14), esc(c.Series[it.i].Name))
	}

	// Grid and y axis.
	p(`<g font-size="%d" fill="#000000">`+"\n", tickSize)
	for i := 0; i <= ticks && !empty; i++ {
		v := float64(i) * step
		ty := yAt(v)
		if i > 0 {
			p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, num(left), num(ty), num(left+plotW), num(ty), gridColour)
		}
		p(`<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", num(left-6), num(ty+tickSize*0.35), num(v))
	}
	p("</g>\n")
	if c.YLabel != "" {
		cy := (plotTop + plotBottom) / 2
		p(`<text transform="translate(%s %s) rotate(-90)" text-anchor="middle" fill="#000000">%s</text>`+"\n",
			num(margin+labelSize-2), num(cy), esc(c.YLabel))
	}

	// Bars.
	if empty {
		p(`<text x="%s" y="%s" text-anchor="middle" font-size="%d" fill="#000000">%s</text>`+"\n",
			num(left+plotW/2), num((plotTop+plotBottom)/2), labelSize, esc(noData))
	}
	p(`<g stroke="%s" stroke-width="1">`+"\n", outline)
	var labelsOnBars bytes.Buffer
	onBar := func(x, top float64, v float64) {
		fmt.Fprintf(&labelsOnBars, `<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", num(x), num(top-4), num(v))
	}
	for i := 0; i < n && !empty; i++ {
		x0 := left + float64(i)*band
		tip := func(s Series, v float64) string {
			if s.Name == "" {
				return esc(c.Labels[i] + ": " + num(v))
			}
			return esc(s.Name + ", " + c.Labels[i] + ": " + num(v))
		}
		if c.Stacked {
			bw := math.Min(band*0.7, maxBarWidth)
			bx := x0 + (band-bw)/2
			sum := 0.0
			for j, s := range c.Series {
				v := value(s, i)
				if v <= 0 {
					continue
				}
				y1, y0 := yAt(sum+v), yAt(sum)
				p(`<rect x="%s" y="%s" width="%s" height="%s" fill="url(#%s-p%d)"><title>%s</title></rect>`+"\n",
					num(bx), num(y1), num(bw), num(y0-y1), id, j, tip(s, v))
				sum += v
			}
			if sum > 0 {
				onBar(bx+bw/2, yAt(sum), sum)
			}
			continue
		}
		bw := math.Min((band-12)/float64(k), maxBarWidth)
		bx := x0 + (band-bw*float64(k))/2
		for j, s := range c.Series {
			v := value(s, i)
			x := bx + float64(j)*bw
			if v > 0 {
				p(`<rect x="%s" y="%s" width="%s" height="%s" fill="url(#%s-p%d)"><title>%s</title></rect>`+"\n",
					num(x), num(yAt(v)), num(bw), num(plotBottom-yAt(v)), id, j, tip(s, v))
				if textWidth(num(v), valueSize) <= bw+4 {
					onBar(x+bw/2, yAt(v), v)
				}
			}
		}
	}
	p("</g>\n")
	if labelsOnBars.Len() > 0 {
		p(`<g font-size="%d" fill="#000000">`+"\n", valueSize)
		b.Write(labelsOnBars.Bytes())
		p("</g>\n")
	}

	// The x axis and its labels.
	p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="1.5"/>`+"\n",
		num(left), num(plotBottom), num(left+plotW), num(plotBottom))
	p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="1.5"/>`+"\n",
		num(left), num(plotTop), num(left), num(plotBottom))
	if !empty {
		p(`<g font-size="%d" fill="#000000">`+"\n", tickSize)
		for i, l := range c.Labels {
			x := left + (float64(i)+0.5)*band
			ly := plotBottom + 8 + tickSize
			if rotate {
				p(`<text transform="translate(%s %s) rotate(-45)" text-anchor="end">%s</text>`+"\n", num(x+4), num(ly-4), esc(l))
			} else {
				p(`<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", num(x), num(ly), esc(l))
			}
		}
		p("</g>\n")
	}
	if c.XLabel != "" {
		p(`<text x="%s" y="%s" text-anchor="middle" fill="#000000">%s</text>`+"\n",
			num(left+plotW/2), num(height-margin), esc(c.XLabel))
	}
	if m := c.Mark; m != nil && !empty {
		x := left + m.At*band
		labelY := plotTop - valueSize - 10 // above the labels on the bars
		p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#000000" stroke-width="2" stroke-dasharray="6 4"/>`+"\n",
			num(x), num(labelY+4), num(x), num(plotBottom))
		if m.Label != "" {
			lx, anchor := x+4, "start"
			if lx+textWidth(m.Label, tickSize) > left+plotW {
				lx, anchor = x-4, "end"
			}
			p(`<text x="%s" y="%s" text-anchor="%s" font-size="%d" font-weight="bold" fill="#000000">%s</text>`+"\n",
				num(lx), num(labelY), anchor, tickSize, esc(m.Label))
		}
	}
	p("</svg>\n")
	return b.Bytes()
}

// value is s's value at i, zero where it has none; negative values are
// not drawn.
func value(s Series, i int) float64 {
	if i >= len(s.Values) || s.Values[i] < 0 || math.IsNaN(s.Values[i]) || math.IsInf(s.Values[i], 0) {
		return 0
	}
	return s.Values[i]
}

// light reports whether colour "#rrggbb" is light enough for black ink.
func light(colour string) bool {
	v, _ := strconv.ParseUint(strings.TrimPrefix(colour, "#"), 16, 32)
	r, g, b := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
	return 0.299*r+0.587*g+0.114*b > 140
}
