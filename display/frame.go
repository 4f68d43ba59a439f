package display

import "image/color"

// Frame is one picture of a scene: its items drawn in order over the
// background fill Items[0].
type Frame struct {
	Width, Height int
	Items         []Item
	Seq           uint64 // the last event the frame shows
	Ready         bool   // it shows the stream's state, not "connecting"
}

// Kind is what an Item draws.
type Kind uint8

// The kinds of items.
const (
	Rect Kind = iota // a filled rectangle, its corners rounded by Radius
	Text             // one line of text
)

// Align is where a text stands on its anchor.
type Align uint8

// The alignments.
const (
	Left   Align = iota // the text starts at X
	Center              // the text is centred on X
	Right               // the text ends at X
)

// Item is one thing a frame draws, in pixels from the top left corner.
type Item struct {
	Kind   Kind
	X, Y   float64 // Rect: the top left corner; Text: the anchor, by Align, on the baseline
	W, H   float64 // Rect: the size
	Radius float64 // Rect: of the corners
	Color  color.RGBA
	Text   string
	Face   Face
	Size   float64 // Text: the font size in pixels (the em)
	Align  Align
	// Tag names what the item shows ("newest.number", "waiting.A.more"),
	// for tests and tools; the renderer ignores it.
	Tag string
}

// Find returns the first item tagged tag.
func (f Frame) Find(tag string) (Item, bool) {
	for _, it := range f.Items {
		if it.Tag == tag {
			return it, true
		}
	}
	return Item{}, false
}

// Texts returns the texts of the frame, in drawing order.
func (f Frame) Texts() []string {
	var out []string
	for _, it := range f.Items {
		if it.Kind == Text {
			out = append(out, it.Text)
		}
	}
	return out
}

// The palette: light text on a dark navy ground, with yellow for what is
// called, for contrast from across a hall (white on the ground is over
// 15:1, yellow over 11:1) and calm when nothing happens.
var (
	colorGround  = color.RGBA{0x0a, 0x1a, 0x2f, 0xff}
	colorPanel   = color.RGBA{0x13, 0x29, 0x4b, 0xff}
	colorPanelHi = color.RGBA{0x1c, 0x3a, 0x66, 0xff}
	colorHeader  = color.RGBA{0x06, 0x11, 0x20, 0xff}
	colorText    = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colorMuted   = color.RGBA{0xb4, 0xc4, 0xda, 0xff}
	colorCall    = color.RGBA{0xff, 0xd2, 0x3f, 0xff}
	colorOnCall  = colorGround
	colorAlert   = color.RGBA{0xff, 0x5a, 0x5f, 0xff}
	colorBreak   = color.RGBA{0xff, 0xb3, 0x47, 0xff}
)
