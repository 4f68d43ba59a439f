package display

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Face is one of the two embedded Go fonts a frame's texts use.
type Face uint8

// The faces.
const (
	Regular Face = iota
	Bold
)

// TTF is the font file of f, for the renderer: it draws with the very
// fonts the scene measured with.
func (f Face) TTF() []byte {
	if f == Bold {
		return gobold.TTF
	}
	return goregular.TTF
}

// metrics measures texts in the embedded fonts. It is not safe for
// concurrent use (sfnt's Buffer); the Scene's lock guards it.
type metrics struct {
	fonts [2]*sfnt.Font
	cap   [2]float64 // cap height per pixel of size
	buf   sfnt.Buffer
}

func newMetrics() *metrics {
	m := &metrics{}
	for _, f := range []Face{Regular, Bold} {
		ft, err := sfnt.Parse(f.TTF())
		if err != nil {
			// The fonts are compiled in: a failure is a broken build.
			panic(fmt.Sprintf("display: embedded font %d: %v", f, err))
		}
		m.fonts[f] = ft
		const ppem = 1000
		fm, err := ft.Metrics(&m.buf, fixed.I(ppem), font.HintingNone)
		if err != nil {
			panic(fmt.Sprintf("display: embedded font %d metrics: %v", f, err))
		}
		m.cap[f] = float64(fm.CapHeight) / 64 / ppem
	}
	return m
}

// width is the advance of s in face f at size pixels, with kerning.
func (m *metrics) width(f Face, size float64, s string) float64 {
	ft := m.fonts[f]
	ppem := fixed.Int26_6(size * 64)
	var w fixed.Int26_6
	prev, hasPrev := sfnt.GlyphIndex(0), false
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		gi, err := ft.GlyphIndex(&m.buf, r)
		if err != nil {
			continue
		}
		if hasPrev {
			if k, err := ft.Kern(&m.buf, prev, gi, ppem, font.HintingNone); err == nil {
				w += k
			}
		}
		if a, err := ft.GlyphAdvance(&m.buf, gi, ppem, font.HintingNone); err == nil {
			w += a
		}
		prev, hasPrev = gi, true
	}
	return float64(w) / 64
}

// capHeight is the height of a capital letter (and of a digit) in face f
// at size pixels: texts are centred on it, so that a big number sits in
// the middle of its box whatever the font's descender.
func (m *metrics) capHeight(f Face, size float64) float64 { return m.cap[f] * size }

// fit is the largest size up to max at which s in face f is at most width
// pixels wide.
func (m *metrics) fit(f Face, max, width float64, s string) float64 {
	w := m.width(f, max, s)
	if w <= width || w == 0 {
		return max
	}
	return max * width / w
}

// ellipsize shortens s with "…" until it is at most width pixels wide in
// face f at size.
func (m *metrics) ellipsize(f Face, size, width float64, s string) string {
	if m.width(f, size, s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		t := string(r) + "…"
		if m.width(f, size, t) <= width {
			return t
		}
	}
	return ""
}
