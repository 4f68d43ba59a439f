package printer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Paper geometry of the virtual printer, in dots at 203 dpi.
const (
	defaultSpacing = 30 // ESC 2: about 3.75 mm
	topMargin      = 24
	bottomMargin   = 24
	cutterFeed     = 64 // GS V 65/66: from the head to the cutter, about 8 mm
)

var (
	paper = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	ink   = color.RGBA{0x00, 0x00, 0x00, 0xFF}
)

// Renderer draws ESC/POS bytes as the paper that would come out of a
// printer: white paper of the printable width, text in Go Mono (Go Mono
// Bold for ESC E) with Font A's 12 by 24 dot cells scaled by GS !, and QR
// codes as real QR symbols of the GS ( k module size.
type Renderer struct {
	WidthMM   int        // 58 (384 dots) or 80 (576 dots); 0 is 80
	CodePages []CodePage // the tables ESC t selects; DefaultCodePages when nil
}

// Render draws escpos on 80 mm paper with the default code pages.
func Render(escpos []byte) (*image.RGBA, error) {
	return Renderer{WidthMM: 80}.Render(escpos)
}

// blit is something to draw once the height of the paper is known.
type blit struct {
	x, y  int
	text  string
	style Style
	qr    [][]bool
	mod   int
	cutAt bool // a dashed line across the paper
}

// run is text waiting in the line buffer.
type run struct {
	text  string
	style Style
}

// Render draws escpos. The image is as tall as the printout.
func (r Renderer) Render(escpos []byte) (*image.RGBA, error) {
	ops, err := Decode(escpos, r.CodePages...)
	if err != nil {
		return nil, err
	}
	width := dotsWide(r.WidthMM)
	var (
		blits   []blit
		y       = topMargin
		spacing = defaultSpacing
		line    []run
		cols    int // columns used on the current line, in dots
		align   Align
		ended   bool // the last thing on the paper is a cut
	)
	// printLine prints the line buffer and moves down one line.
	printLine := func() {
		if len(line) == 0 {
			y += spacing
			return
		}
		height := 0
		for _, rn := range line {
			height = max(height, fontAHeight*rn.style.Height)
		}
		x := 0
		switch align {
		case AlignCenter:
			x = (width - cols) / 2
		case AlignRight:
			x = width - cols
		}
		for _, rn := range line {
			h := fontAHeight * rn.style.Height
			blits = append(blits, blit{x: x, y: y + height - h, text: rn.text, style: rn.style})
			x += utf8.RuneCountInString(rn.text) * fontAWidth * rn.style.Width
		}
		y += max(spacing, height)
		line, cols = line[:0], 0
	}
	for _, op := range ops {
		if op.Kind != OpCut && op.Kind != OpInit {
			ended = false
		}
		switch op.Kind {
		case OpInit:
			line, cols, spacing = line[:0], 0, defaultSpacing
		case OpLineSpacing:
			spacing = op.N
			if op.N < 0 {
				spacing = defaultSpacing
			}
		case OpText:
			// Like the printer, start a new line when this one is full.
			cw := fontAWidth * op.Style.Width
			text := op.Text
			for text != "" {
				if len(line) == 0 {
					align = op.Style.Align
				}
				fit := (width - cols) / cw
				if fit == 0 {
					printLine()
					continue
				}
				head := text
				if utf8.RuneCountInString(text) > fit {
					head = string([]rune(text)[:fit])
				}
				text = text[len(head):]
				line = append(line, run{head, op.Style})
				cols += utf8.RuneCountInString(head) * cw
			}
		case OpNewline:
			printLine()
		case OpFeed:
			n := op.N
			if len(line) > 0 {
				printLine()
				n--
			}
			y += max(0, n) * spacing
		case OpQR:
			if len(line) > 0 {
				printLine()
			}
			q, err := qrcode.New(op.QR.Data, qrLevel(op.QR.ErrorCorrection))
			if err != nil {
				return nil, fmt.Errorf("printer: render QR code at offset %d: %w", op.Offset, err)
			}
			q.DisableBorder = true
			bm := q.Bitmap()
			size := len(bm) * op.QR.Module
			x := 0
			switch op.Style.Align {
			case AlignCenter:
				x = (width - size) / 2
			case AlignRight:
				x = width - size
			}
			blits = append(blits, blit{x: max(0, x), y: y, qr: bm, mod: op.QR.Module})
			y += size
		case OpCut:
			if len(line) > 0 {
				printLine()
			}
			if op.Feed {
				y += cutterFeed + op.N
			}
			blits = append(blits, blit{y: y, cutAt: true})
			ended = true
		}
	}
	if len(line) > 0 {
		printLine()
	}
	height := y + bottomMargin
	if ended {
		// The paper ends at the cut: no dashed line, no margin after it.
		height = y
		blits = blits[:len(blits)-1]
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	for _, b := range blits {
		switch {
		case b.cutAt:
			for x := 0; x < width; x += 12 {
				draw.Draw(img, image.Rect(x, b.y, x+6, b.y+1), image.NewUniform(ink), image.Point{}, draw.Src)
			}
		case b.qr != nil:
			for row, bits := range b.qr {
				for colIdx, dark := range bits {
					if dark {
						x0, y0 := b.x+colIdx*b.mod, b.y+row*b.mod
						draw.Draw(img, image.Rect(x0, y0, x0+b.mod, y0+b.mod), image.NewUniform(ink), image.Point{}, draw.Src)
					}
				}
			}
		default:
			if err := drawText(img, b); err != nil {
				return nil, err
			}
		}
	}
	return img, nil
}

// faces holds Go Mono faces by weight and size.
var faces struct {
	sync.Mutex
	regular, bold *opentype.Font
	m             map[faceKey]font.Face
}

type faceKey struct {
	bold bool
	size int
}

// face returns Go Mono sized for Font A cells scaled by scale: an advance
// of 12×scale dots (Go Mono advances 0.6 em).
func face(bold bool, scale int) (font.Face, error) {
	faces.Lock()
	defer faces.Unlock()
	if faces.m == nil {
		var err error
		if faces.regular, err = opentype.Parse(gomono.TTF); err != nil {
			return nil, fmt.Errorf("printer: parse Go Mono: %w", err)
		}
		if faces.bold, err = opentype.Parse(gomonobold.TTF); err != nil {
			return nil, fmt.Errorf("printer: parse Go Mono Bold: %w", err)
		}
		faces.m = map[faceKey]font.Face{}
	}
	k := faceKey{bold, scale}
	if f, ok := faces.m[k]; ok {
		return f, nil
	}
	ft := faces.regular
	if bold {
		ft = faces.bold
	}
	f, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: 20 * float64(scale), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("printer: Go Mono face: %w", err)
	}
	faces.m[k] = f
	return f, nil
}

// drawText draws a run of text in Font A cells, each character centred in
// its cell. A character wider or narrower than square scaling (GS ! with
// width and height unequal) is drawn at the height's size and stretched.
func drawText(dst *image.RGBA, b blit) error {
	w, h := b.style.Width, b.style.Height
	f, err := face(b.style.Bold, h)
	if err != nil {
		return err
	}
	// Lock: a font.Face is not safe for concurrent use.
	faces.Lock()
	defer faces.Unlock()
	n := utf8.RuneCountInString(b.text)
	cellW, cellH := fontAWidth*h, fontAHeight*h
	mask := image.NewAlpha(image.Rect(0, 0, n*cellW, cellH))
	m := f.Metrics()
	baseline := (fixed.I(cellH)-(m.Ascent+m.Descent))/2 + m.Ascent
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: f}
	i := 0
	for _, r := range b.text {
		adv, ok := f.GlyphAdvance(r)
		if !ok {
			adv = fixed.I(cellW)
		}
		d.Dot = fixed.Point26_6{X: fixed.I(i*cellW) + (fixed.I(cellW)-adv)/2, Y: baseline}
		d.DrawString(string(r))
		i++
	}
	target := image.Rect(b.x, b.y, b.x+n*fontAWidth*w, b.y+cellH)
	if w == h {
		draw.DrawMask(dst, target, image.NewUniform(ink), image.Point{}, mask, image.Point{}, draw.Over)
		return nil
	}
	stretched := image.NewAlpha(image.Rect(0, 0, target.Dx(), target.Dy()))
	draw.BiLinear.Scale(stretched, stretched.Bounds(), mask, mask.Bounds(), draw.Src, nil)
	draw.DrawMask(dst, target, image.NewUniform(ink), image.Point{}, stretched, image.Point{}, draw.Over)
	return nil
}

// ErrPaperOut is what a Virtual printer says to a write while it is
// simulating a printer out of paper.
var ErrPaperOut = errors.New("printer: paper out")

// Virtual is a Transport that prints to PNG files: each ticket (the bytes
// up to and including a cut, or what is left on Flush or Close) is rendered
// and saved in Dir as ticket-NNNN-YYYYMMDD-HHMMSS.png.
type Virtual struct {
	renderer Renderer
	dir      string
	now      func() time.Time

	mu       sync.Mutex
	buf      []byte
	count    int
	last     string
	paperOut bool
	closed   bool
}

// NewVirtual returns a virtual printer with paper widthMM wide (58 or 80)
// saving tickets in dir, which it creates. pages are the tables ESC t
// selects (DefaultCodePages when none). Numbering continues after the
// tickets already in dir.
func NewVirtual(dir string, widthMM int, pages ...CodePage) (*Virtual, error) {
	if dir == "" {
		return nil, errors.New("printer: virtual printer: Dir is empty")
	}
	if widthMM != 58 && widthMM != 80 {
		return nil, fmt.Errorf("printer: virtual printer: WidthMM is %d, want 58 or 80", widthMM)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("printer: virtual printer: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("printer: virtual printer: %w", err)
	}
	v := &Virtual{renderer: Renderer{WidthMM: widthMM, CodePages: pages}, dir: dir, now: time.Now}
	for _, e := range entries {
		if m := ticketName.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			v.count = max(v.count, n)
		}
	}
	return v, nil
}

var ticketName = regexp.MustCompile(`^ticket-(\d+)-.*\.png$`)

// SetClock sets where the file names' time comes from.
func (v *Virtual) SetClock(now func() time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.now = now
}

// SetPaperOut makes the printer behave as out of paper (Status says so and
// Write fails with ErrPaperOut) or back to normal.
func (v *Virtual) SetPaperOut(out bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.paperOut = out
}

// Write buffers p and prints every ticket that is complete.
func (v *Virtual) Write(p []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return 0, errors.New("printer: virtual printer is closed")
	}
	if v.paperOut {
		return 0, ErrPaperOut
	}
	v.buf = append(v.buf, p...)
	ends, err := cuts(v.buf, v.renderer.CodePages)
	if err != nil {
		v.buf = v.buf[:0]
		return len(p), err
	}
	start := 0
	for _, end := range ends {
		ticket := v.buf[start:end]
		start = end
		if err := v.print(ticket); err != nil {
			v.buf = append(v.buf[:0], v.buf[start:]...)
			return len(p), err
		}
	}
	v.buf = append(v.buf[:0], v.buf[start:]...)
	return len(p), nil
}

// cuts are the offsets just after each cut in b. An input ending inside a
// command is not an error: the rest may come later.
func cuts(b []byte, pages []CodePage) ([]int, error) {
	d := newDecoder(b, pages)
	var ends []int
	for {
		op, ok, err := d.next()
		if errors.Is(err, errTruncated) {
			return ends, nil
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			return ends, nil
		}
		if op.Kind == OpCut {
			ends = append(ends, d.pos)
		}
	}
}

// print renders one ticket and saves it; v.mu is held.
func (v *Virtual) print(ticket []byte) error {
	img, err := v.renderer.Render(ticket)
	if err != nil {
		return err
	}
	v.count++
	name := fmt.Sprintf("ticket-%04d-%s.png", v.count, v.now().Format("20060102-150405"))
	path := filepath.Join(v.dir, name)
	if err := writePNG(path, img); err != nil {
		return fmt.Errorf("printer: virtual printer: %w", err)
	}
	v.last = path
	return nil
}

// writePNG saves img in grey, atomically (temp file and rename), favouring
// speed over size: a ticket is about 25 kB either way, and a printer
// should not keep the dispenser waiting.
func writePNG(path string, img *image.RGBA) error {
	gray := grey(img)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ticket-*.png")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(tmp, gray); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// grey converts img to shades of grey, as the paper is.
func grey(img *image.RGBA) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		src := img.Pix[img.PixOffset(b.Min.X, y):]
		dst := g.Pix[g.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			r, gr, bl := uint32(src[4*x]), uint32(src[4*x+1]), uint32(src[4*x+2])
			dst[x] = uint8((19595*r + 38470*gr + 7471*bl + 1<<15) >> 16)
		}
	}
	return g
}

// Flush prints what is buffered as a ticket, even without a cut.
func (v *Virtual) Flush() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.flush()
}

func (v *Virtual) flush() error {
	if len(v.buf) == 0 {
		return nil
	}
	defer func() { v.buf = v.buf[:0] }()
	return v.print(v.buf)
}

// Status is always known: online, or out of paper when simulated.
func (v *Virtual) Status(ctx context.Context) (Status, error) {
	if err := ctx.Err(); err != nil {
		return Status{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return Status{Online: !v.paperOut && !v.closed, PaperOut: v.paperOut, Known: true}, nil
}

// LastPath is the file of the last ticket printed ("" before the first).
func (v *Virtual) LastPath() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last
}

// Count is how many tickets are in the directory's numbering so far.
func (v *Virtual) Count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.count
}

// Dir is where the tickets are saved.
func (v *Virtual) Dir() string { return v.dir }

// Close prints what is buffered and closes the printer.
func (v *Virtual) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	return v.flush()
}
