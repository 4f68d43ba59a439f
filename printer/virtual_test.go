package printer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/numerek/numerek/printer"
)

// decodeQR finds and reads the QR code in img.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode the QR code in the rendered ticket: %v", err)
	}
	return res.GetText()
}

// TestRenderTicket renders the sample ticket on both papers, reads its QR
// code back with gozxing and compares the picture with the golden PNG.
func TestRenderTicket(t *testing.T) {
	for _, tt := range []struct {
		widthMM int
		dots    int
	}{{58, 384}, {80, 576}} {
		t.Run(fmt.Sprint(tt.widthMM), func(t *testing.T) {
			tk := sampleTicket()
			b, err := printer.Encode(tk, layout(tt.widthMM, printer.PC852))
			if err != nil {
				t.Fatal(err)
			}
			img, err := printer.Renderer{WidthMM: tt.widthMM}.Render(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Dx(); got != tt.dots {
				t.Errorf("got %d dots wide, want %d", got, tt.dots)
			}
			if got := decodeQR(t, img); got != tk.ETicketURL {
				t.Errorf("got QR code %q, want %q", got, tk.ETicketURL)
			}
			comparePNG(t, fmt.Sprintf("ticket-%d.png", tt.widthMM), img)
		})
	}
}

// comparePNG compares img with testdata/name: same size, and at most one
// pixel in a thousand off by more than a quarter of the grey scale (font
// rasterising may differ in the last bit between machines). -update
// rewrites it.
func comparePNG(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		gray := image.NewGray(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				gray.Set(x, y, img.At(x, y))
			}
		}
		if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, gray); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test ./printer -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := img.Bounds().Size(), want.Bounds().Size(); got != w {
		t.Fatalf("%s: got %v, want %v (run with -update if the change is intended)", name, got, w)
	}
	off := 0
	for y := 0; y < want.Bounds().Dy(); y++ {
		for x := 0; x < want.Bounds().Dx(); x++ {
			g := luma(img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y))
			w := luma(want.At(want.Bounds().Min.X+x, want.Bounds().Min.Y+y))
			if g-w > 64 || w-g > 64 {
				off++
			}
		}
	}
	if total := want.Bounds().Dx() * want.Bounds().Dy(); off > total/1000 {
		t.Errorf("%s: got %d of %d pixels different, want at most %d (run with -update if the change is intended)", name, off, total, total/1000)
	}
}

func luma(c interface{ RGBA() (r, g, b, a uint32) }) int {
	r, g, b, _ := c.RGBA()
	return int((299*r + 587*g + 114*b) / 1000 >> 8)
}

func TestRenderLayout(t *testing.T) {
	ink := func(img *image.RGBA, r image.Rectangle) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if img.RGBAAt(x, y).R < 128 {
					n++
				}
			}
		}
		return n
	}
	e := func() *printer.Encoder { return printer.NewEncoder().Init() }
	tests := []struct {
		name       string
		escpos     *printer.Encoder
		wantHeight int
		inkIn      image.Rectangle // some ink here
		noInkIn    image.Rectangle // none here
	}{
		// 24 top margin + 30 line + 24 bottom margin.
		{"left", e().Line("XXXX"), 78, image.Rect(0, 24, 48, 48), image.Rect(48, 0, 576, 78)},
		{"right", e().Align(printer.AlignRight).Line("XXXX"), 78, image.Rect(528, 24, 576, 48), image.Rect(0, 0, 528, 78)},
		{"center", e().Align(printer.AlignCenter).Line("XXXX"), 78, image.Rect(264, 24, 312, 48), image.Rect(0, 0, 264, 78)},
		// A 2x3 line is 72 dots tall, 24 dots a character.
		{"size", e().Size(2, 3).Line("XX"), 24 + 72 + 24, image.Rect(0, 24, 48, 96), image.Rect(48, 0, 576, 120)},
		{"feed", e().Feed(3).Line("X"), 24 + 90 + 30 + 24, image.Rect(0, 114, 12, 138), image.Rect(0, 0, 576, 114)},
		{"spacing", e().LineSpacing(60).Line("X").Line("X"), 24 + 120 + 24, image.Rect(0, 84, 12, 108), image.Rect(0, 48, 576, 84)},
		// A full line wraps onto the next, as on paper.
		{"wrap", e().Line(strings.Repeat("X", 50)), 24 + 60 + 24, image.Rect(0, 54, 24, 78), image.Rect(24, 54, 576, 84)},
		// The paper ends at the cut, after the feed to the cutter.
		{"cut", e().Line("X").FeedCut(printer.CutPartial, 0), 24 + 30 + 64, image.Rect(0, 24, 12, 48), image.Rect(0, 54, 576, 118)},
		// A QR code of 21 modules of 4 dots, centred.
		{"qr", e().Align(printer.AlignCenter).QR("1", 4, printer.QRErrorCorrectionL), 24 + 84 + 24, image.Rect(246, 24, 330, 108), image.Rect(0, 0, 246, 132)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.escpos.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			img, err := printer.Render(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Dy(); got != tt.wantHeight {
				t.Errorf("got height %d, want %d", got, tt.wantHeight)
			}
			if n := ink(img, tt.inkIn); n == 0 {
				t.Errorf("got no ink in %v, want some", tt.inkIn)
			}
			if n := ink(img, tt.noInkIn); n != 0 {
				t.Errorf("got %d inked dots in %v, want none", n, tt.noInkIn)
			}
		})
	}
}

func TestRenderBadBytes(t *testing.T) {
	if _, err := printer.Render([]byte("ok\x1bZ")); err == nil || !strings.Contains(err.Error(), "offset 2") {
		t.Errorf("got %v, want an error naming offset 2", err)
	}
}

func TestVirtual(t *testing.T) {
	ticket, err := printer.Encode(sampleTicket(), printer.DefaultLayout())
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2026, 11, 24, 9, 0, 5, 0, warsaw) }
	open := func(t *testing.T, dir string) *printer.Virtual {
		v, err := printer.NewVirtual(dir, 80)
		if err != nil {
			t.Fatal(err)
		}
		v.SetClock(clock)
		return v
	}
	pngs := func(t *testing.T, dir string) []string {
		m, err := filepath.Glob(filepath.Join(dir, "ticket-*.png"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range m {
			m[i] = filepath.Base(m[i])
		}
		return m
	}

	t.Run("a ticket written in pieces is one PNG", func(t *testing.T) {
		dir := t.TempDir()
		v := open(t, dir)
		for i := 0; i < len(ticket); i += 7 {
			if _, err := v.Write(ticket[i:min(i+7, len(ticket))]); err != nil {
				t.Fatal(err)
			}
			if i+7 < len(ticket) && v.LastPath() != "" {
				t.Fatalf("got a PNG after %d of %d bytes, want it only after the cut", i+7, len(ticket))
			}
		}
		want := filepath.Join(dir, "ticket-0001-20261124-090005.png")
		if got := v.LastPath(); got != want {
			t.Errorf("got LastPath %q, want %q", got, want)
		}
		f, err := os.Open(v.LastPath())
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, img); got != sampleTicket().ETicketURL {
			t.Errorf("got QR code %q, want %q", got, sampleTicket().ETicketURL)
		}
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
		if got := pngs(t, dir); len(got) != 1 {
			t.Errorf("got files %q, want one ticket", got)
		}
	})

	t.Run("two tickets in one write, numbering goes on after a restart", func(t *testing.T) {
		dir := t.TempDir()
		v := open(t, dir)
		if _, err := v.Write(append(bytes.Clone(ticket), ticket...)); err != nil {
			t.Fatal(err)
		}
		v.Close()
		v = open(t, dir)
		if _, err := v.Write(ticket); err != nil {
			t.Fatal(err)
		}
		want := []string{"ticket-0001-20261124-090005.png", "ticket-0002-20261124-090005.png", "ticket-0003-20261124-090005.png"}
		if got := pngs(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("got files %q, want %q", got, want)
		}
	})

	t.Run("flush and close print what has no cut", func(t *testing.T) {
		dir := t.TempDir()
		v := open(t, dir)
		b, _ := printer.NewEncoder().Init().Line("bez cięcia").Bytes()
		v.Write(b)
		if v.LastPath() != "" {
			t.Fatal("got a PNG before Flush, want none")
		}
		if err := v.Flush(); err != nil {
			t.Fatal(err)
		}
		if v.LastPath() == "" {
			t.Error("got no PNG after Flush, want one")
		}
		v.Write(b)
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
		if got := pngs(t, dir); len(got) != 2 {
			t.Errorf("got files %q, want two", got)
		}
		if _, err := v.Write(b); err == nil {
			t.Error("got no error writing to a closed printer, want one")
		}
	})

	t.Run("status and paper out", func(t *testing.T) {
		v := open(t, t.TempDir())
		defer v.Close()
		ctx := context.Background()
		if got, _ := v.Status(ctx); got != (printer.Status{Online: true, Known: true}) {
			t.Errorf("got %+v, want online and known", got)
		}
		v.SetPaperOut(true)
		if got, _ := v.Status(ctx); got != (printer.Status{PaperOut: true, Known: true}) {
			t.Errorf("got %+v, want paper out, offline, known", got)
		}
		if _, err := v.Write(ticket); !errors.Is(err, printer.ErrPaperOut) {
			t.Errorf("got %v, want ErrPaperOut", err)
		}
		v.SetPaperOut(false)
		if _, err := v.Write(ticket); err != nil {
			t.Errorf("got %v after the paper is back, want no error", err)
		}
	})

	t.Run("garbage is an error naming the offset", func(t *testing.T) {
		v := open(t, t.TempDir())
		defer v.Close()
		if _, err := v.Write([]byte("abc\x1bZ")); err == nil || !strings.Contains(err.Error(), "offset 3") {
			t.Errorf("got %v, want an error naming offset 3", err)
		}
	})

	t.Run("bad settings", func(t *testing.T) {
		if _, err := printer.NewVirtual("", 80); err == nil || !strings.Contains(err.Error(), "Dir") {
			t.Errorf("got %v, want an error naming Dir", err)
		}
		if _, err := printer.NewVirtual(t.TempDir(), 57); err == nil || !strings.Contains(err.Error(), "WidthMM") {
			t.Errorf("got %v, want an error naming WidthMM", err)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	for _, widthMM := range []int{58, 80} {
		b.Run(fmt.Sprint(widthMM), func(b *testing.B) {
			ticket, err := printer.Encode(sampleTicket(), layout(widthMM, printer.PC852))
			if err != nil {
				b.Fatal(err)
			}
			r := printer.Renderer{WidthMM: widthMM}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Render(ticket); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVirtualWrite: a ticket written to the virtual printer, rendered
// and saved as a PNG.
func BenchmarkVirtualWrite(b *testing.B) {
	ticket, err := printer.Encode(sampleTicket(), printer.DefaultLayout())
	if err != nil {
		b.Fatal(err)
	}
	v, err := printer.NewVirtual(b.TempDir(), 80)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Write(ticket); err != nil {
			b.Fatal(err)
		}
	}
}
