// Package screen draws a display.Scene with Ebiten (v2.10): full screen or
// in a window, at any resolution. It is the thin part of the hall screens:
// the scene says what a frame shows, Update asks it for the frame, Draw
// draws it, and nothing is drawn while the frame stays the same.
//
// Frames are made only when something asks for one: Ebiten runs in its
// "vsync off, minimum" mode, where the game loop sleeps in the window
// system until a frame is scheduled, and this package schedules one when
// the scene changes or when its next animation step is due (the blinking
// of a new call, the clock's minute). An idle hall screen so costs almost
// no CPU, which matters on a Raspberry Pi that shows the same picture for
// hours.
//
// Run must be called from the main goroutine: Ebiten runs its window on
// the process's main thread.
package screen

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"sync"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/numerek/numerek/display"
)

// Options are how Run shows the scene; zero values are the defaults.
type Options struct {
	Fullscreen    bool
	Width, Height int    // the window's size when not full screen: 1280 × 720 when 0
	Title         string // the window's title: "numerek" when empty
	// Drawn, when set, is called on Ebiten's thread after each frame is
	// drawn; Run ends soon after it returns true.
	Drawn func(d Drawn) (stop bool)
}

// Drawn is a frame just drawn on the screen.
type Drawn struct {
	Frame *display.Frame
	At    time.Time // when the graphics card had drawn it, by the machine's clock
	read  func() *image.RGBA
}

// Pixels reads the screen back from the graphics card: slow, for tests.
// It may be called only within the Drawn callback; nil when the frame was
// not drawn by Run (a test's headless screen).
func (d Drawn) Pixels() *image.RGBA {
	if d.read == nil {
		return nil
	}
	return d.read()
}

// Renderer draws frames on Ebiten images with the embedded Go fonts.
type Renderer struct {
	faces [2]*text.GoTextFaceSource
	discs map[int]*ebiten.Image // white discs by radius: the corners of rounded rectangles
}

// NewRenderer loads the fonts.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{discs: map[int]*ebiten.Image{}}
	for _, f := range []display.Face{display.Regular, display.Bold} {
		src, err := text.NewGoTextFaceSource(bytes.NewReader(f.TTF()))
		if err != nil {
			return nil, fmt.Errorf("screen: font: %w", err)
		}
		r.faces[f] = src
	}
	return r, nil
}

// disc returns a white disc of radius rad, made on first use: a screen
// has a handful of radii.
func (r *Renderer) disc(rad int) *ebiten.Image {
	if d, ok := r.discs[rad]; ok {
		return d
	}
	d := ebiten.NewImageFromImage(disc(rad))
	r.discs[rad] = d
	return d
}

// disc returns a white disc of radius rad, its edge anti-aliased by 4 × 4
// samples a pixel, in premultiplied alpha as Ebiten wants.
func disc(rad int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 2*rad, 2*rad))
	r2 := float64(rad * rad)
	for y := range 2 * rad {
		for x := range 2 * rad {
			in := 0
			for sy := range 4 {
				for sx := range 4 {
					dx := float64(x) + (float64(sx)+0.5)/4 - float64(rad)
					dy := float64(y) + (float64(sy)+0.5)/4 - float64(rad)
					if dx*dx+dy*dy <= r2 {
						in++
					}
				}
			}
			a := uint8(in * 255 / 16)
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = a, a, a, a
		}
	}
	return img
}

// Draw draws f on dst, every item in order.
func (r *Renderer) Draw(dst *ebiten.Image, f *display.Frame) {
	for i := range f.Items {
		it := &f.Items[i]
		switch it.Kind {
		case display.Rect:
			r.rect(dst, it)
		case display.Text:
			face := &text.GoTextFace{Source: r.faces[it.Face], Size: it.Size}
			op := &text.DrawOptions{}
			op.PrimaryAlign = [...]text.Align{display.Left: text.AlignStart, display.Center: text.AlignCenter, display.Right: text.AlignEnd}[it.Align]
			// Item.Y is the baseline; Ebiten places a line by its top.
			op.GeoM.Translate(it.X, it.Y-face.Metrics().HAscent)
			op.ColorScale.ScaleWithColor(it.Color)
			text.Draw(dst, it.Text, face, op)
		}
	}
}

// rect fills a rectangle with rounded corners: three plain rectangles and
// the four quarters of a disc of the corners' radius, all on whole pixels,
// unscaled, so that the pieces meet without seams. (vector.FillPath draws
// a rounded path exactly, but through a stencil buffer: Mesa's software
// renderer took over 200 ms a frame for a hall screen's some sixty
// rectangles, against some 15 ms so.)
func (r *Renderer) rect(dst *ebiten.Image, it *display.Item) {
	x, y := math.Round(it.X), math.Round(it.Y)
	w, h := math.Round(it.X+it.W)-x, math.Round(it.Y+it.H)-y
	rad := math.Round(min(it.Radius, w/2, h/2))
	if w <= 0 || h <= 0 {
		return
	}
	fill := func(x, y, w, h float64) {
		if w > 0 && h > 0 {
			vector.FillRect(dst, float32(x), float32(y), float32(w), float32(h), it.Color, false)
		}
	}
	if rad < 1 {
		fill(x, y, w, h)
		return
	}
	fill(x+rad, y, w-2*rad, h)
	fill(x, y+rad, rad, h-2*rad)
	fill(x+w-rad, y+rad, rad, h-2*rad)
	d := int(rad)
	disc := r.disc(d)
	for _, c := range []struct {
		src    image.Rectangle
		dx, dy float64
	}{
		{image.Rect(0, 0, d, d), x, y},
		{image.Rect(d, 0, 2*d, d), x + w - rad, y},
		{image.Rect(0, d, d, 2*d), x, y + h - rad},
		{image.Rect(d, d, 2*d, 2*d), x + w - rad, y + h - rad},
	} {
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(c.dx, c.dy)
		op.ColorScale.ScaleWithColor(it.Color)
		dst.DrawImage(disc.SubImage(c.src).(*ebiten.Image), op)
	}
}

// game is the Ebiten game of one scene: Update asks the scene for the
// frame of the screen's size, Draw draws it when it changed.
type game struct {
	ctx   context.Context
	scene *display.Scene
	r     *Renderer
	opts  Options
	w, h  int
	frame *display.Frame // to be drawn; nil while the screen shows the scene
	stop  bool
	probe *ebiten.Image // one pixel, to wait for a frame to be drawn
	// stopPace stops the goroutine that schedules frames and waits for it.
	stopPace func()
}

func (g *game) Update() error {
	if g.stop || g.ctx.Err() != nil {
		// The pacer must be done before Ebiten shuts its window system
		// down: a frame it schedules then would race the shutdown.
		g.stopPace()
		return ebiten.Termination
	}
	if f, changed := g.scene.Frame(g.w, g.h); changed {
		g.frame = &f
	}
	return nil
}

// Draw draws the frame Update found changed, and nothing else: the screen
// is not cleared between frames, so what was drawn stays.
func (g *game) Draw(screen *ebiten.Image) {
	f := g.frame
	if f == nil {
		return
	}
	g.frame = nil
	g.r.Draw(screen, f)
	if g.opts.Drawn != nil {
		// Reading back a pixel copied from the screen waits until the
		// graphics card has drawn the frame, so that At is when the frame
		// exists, not when its drawing was asked for. A frame is drawn only
		// when it changed: the wait costs no more than the flush right
		// after Draw would. (Reading the screen itself would make Ebiten
		// cache all of its pixels: 8 MB at 1920 × 1080.)
		g.probe.Clear()
		g.probe.DrawImage(screen.SubImage(image.Rect(0, 0, 1, 1)).(*ebiten.Image), nil)
		var px [4]byte
		g.probe.ReadPixels(px[:])
		d := Drawn{Frame: f, At: time.Now(), read: func() *image.RGBA {
			img := image.NewRGBA(screen.Bounds())
			screen.ReadPixels(img.Pix)
			return img
		}}
		if g.opts.Drawn(d) {
			g.stop = true
			ebiten.ScheduleFrame()
		}
	}
}

// Layout makes the screen as many pixels as the window or monitor has, so
// that text is sharp on any resolution.
func (g *game) Layout(outsideWidth, outsideHeight int) (int, int) {
	s := ebiten.Monitor().DeviceScaleFactor()
	g.w, g.h = max(int(float64(outsideWidth)*s), 1), max(int(float64(outsideHeight)*s), 1)
	return g.w, g.h
}

// Run shows scene until ctx ends or the window is closed. It must be
// called from the main goroutine, once per process (an Ebiten rule).
func Run(ctx context.Context, scene *display.Scene, o Options) error {
	r, err := NewRenderer()
	if err != nil {
		return err
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1280, 720
	}
	if o.Title == "" {
		o.Title = "numerek"
	}
	ebiten.SetWindowTitle(o.Title)
	ebiten.SetWindowSize(o.Width, o.Height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetFullscreen(o.Fullscreen)
	if o.Fullscreen {
		ebiten.SetCursorMode(ebiten.CursorModeHidden)
	}
	ebiten.SetRunnableOnUnfocused(true)
	ebiten.SetScreenClearedEveryFrame(false)
	// Ebiten 2.5 deprecated the minimum FPS mode in favour of skipping
	// draws with an uncleared screen, but that still runs the game loop 60
	// times a second: under Xvfb it cost 3-4 % of a core doing nothing,
	// against 0 here, where the loop waits for ScheduleFrame.
	ebiten.SetFPSMode(ebiten.FPSModeVsyncOffMinimum)

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { pace(ctx, scene) })
	stopPace := func() { cancel(); wg.Wait() }
	defer stopPace()
	g := &game{ctx: ctx, scene: scene, r: r, opts: o, probe: ebiten.NewImage(1, 1), stopPace: stopPace}
	if err := ebiten.RunGameWithOptions(g, &ebiten.RunGameOptions{X11ClassName: "numerek", X11InstanceName: "display"}); err != nil {
		return fmt.Errorf("screen: %w", err)
	}
	return nil
}

// pace schedules a frame whenever the scene changes or its next
// animation step is due, until ctx ends; then one more, so that Update
// sees the end and stops the game.
func pace(ctx context.Context, scene *display.Scene) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			ebiten.ScheduleFrame()
			return
		case <-scene.Changed():
		case <-t.C:
		}
		ebiten.ScheduleFrame()
		t.Reset(max(time.Until(scene.Next()), 10*time.Millisecond))
	}
}
