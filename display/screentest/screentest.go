// Package screentest is what the tests of numerek's Ebiten screens share:
// a virtual X server (Xvfb) to draw on, a child process to draw in (Ebiten
// runs once per process, on its main thread), the comparison of a
// rendered screen with a golden PNG, and a busy hall to show.
package screentest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
)

// StartX starts Xvfb with one width × height screen on a free display
// number and returns its name (":93"); it stops when the test ends.
// Without Xvfb the test is skipped with one line saying what to install,
// except in CI (CI set), which must run it.
func StartX(t testing.TB, width, height int) string {
	t.Helper()
	path, err := exec.LookPath("Xvfb")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Xvfb not found (%v): CI must run the screen tests (scripts/deps.sh test installs it)", err)
		}
		t.Skipf("Xvfb not found (%v): install the Debian packages xvfb xauth libgl1 libgl1-mesa-dri to run the screen tests", err)
	}
	// -displayfd makes Xvfb pick a free display number itself and write it
	// on the pipe once it accepts connections: no guessing, no race.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height),
		"-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		got <- strings.TrimSpace(line)
	}()
	select {
	case n := <-got:
		if n == "" {
			t.Fatalf("Xvfb did not start: %s", stderr.String())
		}
		return ":" + n
	case <-time.After(10 * time.Second):
		t.Fatalf("Xvfb did not start within 10 s: %s", stderr.String())
		return ""
	}
}

// Env is the environment of a child process that draws on the X display
// x: Mesa's software renderer (Xvfb has no GPU), and marker, the variable
// that tells the test binary it is the child.
func Env(x, marker string) []string {
	return append(os.Environ(), "DISPLAY="+x, "LIBGL_ALWAYS_SOFTWARE=1", marker+"=1")
}

// ComparePNG compares img with the golden PNG at path: the same size, and
// at most one pixel in two hundred off by more than 48 in any channel
// (Mesa versions may anti-alias an edge differently). With update it
// writes img there instead.
func ComparePNG(t testing.TB, path string, img *image.RGBA, update bool) {
	t.Helper()
	if update {
		if err := WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
		return
	}
	golden, err := ReadPNG(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	want := image.NewRGBA(golden.Bounds())
	draw.Draw(want, want.Bounds(), golden, golden.Bounds().Min, draw.Src)
	name := filepath.Base(path)
	if got, w := img.Bounds().Size(), want.Bounds().Size(); got != w {
		t.Fatalf("%s: got %v, want %v (run with -update if the change is intended)", name, got, w)
	}
	off := 0
	for i := 0; i+3 < len(want.Pix); i += 4 {
		for c := range 3 {
			if d := int(img.Pix[i+c]) - int(want.Pix[i+c]); d > 48 || d < -48 {
				off++
				break
			}
		}
	}
	if total := len(want.Pix) / 4; off > total/200 {
		t.Errorf("%s: got %d of %d pixels different, want at most %d (run with -update if the change is intended)", name, off, total, total/200)
	}
}

// WritePNG writes img to path, through a temporary file.
func WritePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadPNG reads the PNG at path.
func ReadPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// WriteRaw writes img's pixels to path as they are, after its width and
// height: a child process hands a screen to its test so, since encoding a
// PNG takes seconds under the race detector.
func WriteRaw(path string, img *image.RGBA) error {
	b := img.Bounds()
	data := binary.BigEndian.AppendUint32(nil, uint32(b.Dx()))
	data = binary.BigEndian.AppendUint32(data, uint32(b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		i := img.PixOffset(b.Min.X, y)
		data = append(data, img.Pix[i:i+4*b.Dx()]...)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadRaw reads what WriteRaw wrote.
func ReadRaw(path string) (*image.RGBA, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 8 {
		return nil, fmt.Errorf("%s: too short", path)
	}
	w, h := int(binary.BigEndian.Uint32(data)), int(binary.BigEndian.Uint32(data[4:]))
	if len(data) != 8+4*w*h {
		return nil, fmt.Errorf("%s: %d bytes for %dx%d pixels", path, len(data), w, h)
	}
	return &image.RGBA{Pix: data[8:], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}, nil
}

// Hall is a snapshot of a busy morning at the Centrum office at now: nine
// services, some with long queues, counters open, on a break and calling,
// and a history of calls (a recalled number among them).
func Hall(now time.Time) queue.View {
	v := queue.View{
		Location: "centrum", Name: "Biuro Obsługi Mieszkańców – Centrum", Seq: 400, Day: now.Format("2006-01-02"),
		Open: true, Hours: "08:00-18:00", Voice: true,
	}
	services := []struct {
		prefix, pl, en string
		waiting        int
	}{
		{"A", "Rejestracja pojazdów", "Vehicle registration", 23},
		{"B", "Prawa jazdy", "Driving licences", 7},
		{"C", "Dowody osobiste", "Identity cards", 12},
		{"D", "Meldunki", "Residence registration", 0},
		{"E", "Działalność gospodarcza (CEIDG)", "Business register (CEIDG)", 3},
		{"F", "Podatki i opłaty lokalne", "Local taxes and fees", 1},
		{"G", "Karta Dużej Rodziny", "Large Family Card", 0},
		{"H", "Karta parkingowa dla osób z niepełnosprawnością", "Disability parking card", 2},
		{"J", "Odbiór dokumentów", "Document collection", 5},
	}
	key := now.Add(-2 * time.Hour)
	for _, s := range services {
		v.Services = append(v.Services, queue.ServiceView{Prefix: s.prefix, NamePL: s.pl, NameEN: s.en, Waiting: s.waiting})
		first := 30
		for i := range s.waiting {
			key = key.Add(13 * time.Second)
			v.Waiting = append(v.Waiting, queue.TicketView{Number: fmt.Sprintf("%s%03d", s.prefix, first+i), Service: s.prefix,
				Kind: queue.WalkIn, Status: queue.StatusWaiting, Key: key})
		}
	}
	counter := func(n int, open bool, number, status string, services ...string) queue.CounterView {
		c := queue.CounterView{Number: n, Services: services, Open: open}
		if number != "" {
			c.Current = &queue.TicketView{Number: number, Service: number[:1], Kind: queue.WalkIn, Status: queue.Status(status), Counter: n, Calls: 1, Key: now.Add(-time.Hour)}
		}
		return c
	}
	v.Counters = []queue.CounterView{
		counter(1, true, "A029", "called", "A", "B"),
		counter(2, true, "B011", "serving", "A", "B"),
		counter(3, true, "A028", "serving", "A", "B"),
		counter(4, false, "", "", "A", "B"),
		counter(5, true, "", "", "B", "A"),
		counter(6, true, "C029", "serving", "C", "D", "J"),
		counter(7, true, "J004", "serving", "C", "D", "J"),
		counter(8, true, "E012", "serving", "E", "F"),
		counter(9, false, "", "", "F", "G", "H", "J"),
		counter(10, true, "D017", "serving", "A", "B", "C", "D", "E", "F"),
	}
	calls := []queue.CallView{
		{Number: "A029", Service: "A", Counter: 1},
		{Number: "B011", Service: "B", Counter: 2},
		{Number: "C029", Service: "C", Counter: 6},
		{Number: "A028", Service: "A", Counter: 3},
		{Number: "B011", Service: "B", Counter: 2}, // first call of a number recalled since
		{Number: "J004", Service: "J", Counter: 7},
		{Number: "E012", Service: "E", Counter: 8},
		{Number: "D017", Service: "D", Counter: 10},
		{Number: "A027", Service: "A", Counter: 5},
	}
	for i, c := range calls {
		c.Time = now.Add(-time.Duration(i+1) * 90 * time.Second)
		c.Attempt = 1
		v.Recent = append(v.Recent, c)
	}
	return v
}
