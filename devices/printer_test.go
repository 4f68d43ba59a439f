package devices

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/printer"
	"github.com/numerek/numerek/queue"
)

func testTicket() printer.Ticket {
	return printer.Ticket{LocationName: "BOM Centrum", ServiceName: "Rejestracja pojazdów", Number: "A001",
		Issued: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), Ahead: 2, Estimate: queue.Estimate{Low: 15 * time.Minute, Expected: 20 * time.Minute, High: 25 * time.Minute}, ETicketURL: "http://localhost:8080/t/abc"}
}

func TestESCPOSOnTheVirtualPrinter(t *testing.T) {
	dir := t.TempDir()
	p, err := NewESCPOS(func() (printer.Transport, error) {
		return printer.OpenTransport(printer.TransportConfig{Kind: "virtual", Dir: dir})
	}, printer.DefaultLayout(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if st, err := p.Status(context.Background()); err != nil || !st.Known || !st.Online {
		t.Fatalf("status %+v, %v: want known and online", st, err)
	}
	if err := p.Print(context.Background(), testTicket()); err != nil {
		t.Fatal(err)
	}
	png := p.LastImage()
	if fi, err := os.Stat(png); err != nil || fi.Size() == 0 || !strings.HasPrefix(png, dir) {
		t.Errorf("ticket image %q: %v", png, err)
	}
	if !p.SimulatePaperOut(true) {
		t.Fatal("the virtual printer cannot simulate paper out")
	}
	if st, _ := p.Status(context.Background()); !st.PaperOut {
		t.Errorf("status %+v, want paper out", st)
	}
	if err := p.Print(context.Background(), testTicket()); err == nil {
		t.Error("printed without paper")
	}
}

func TestESCPOSReopensAfterFailure(t *testing.T) {
	opens := 0
	var fail error = errors.New("printer: open /dev/usb/lp0: no such file or directory")
	dir := t.TempDir()
	p, err := NewESCPOS(func() (printer.Transport, error) {
		opens++
		if fail != nil {
			return nil, fail
		}
		return printer.NewVirtual(dir, 80)
	}, printer.DefaultLayout(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Status(context.Background()); err == nil || !strings.Contains(err.Error(), "/dev/usb/lp0") {
		t.Errorf("status of a printer that cannot be opened: %v, want the open error", err)
	}
	if err := p.Print(context.Background(), testTicket()); err == nil {
		t.Error("printed on a printer that cannot be opened")
	}
	fail = nil // plugged in
	if err := p.Print(context.Background(), testTicket()); err != nil {
		t.Errorf("print once the printer is back: %v", err)
	}
	if opens != 3 {
		t.Errorf("opened %d times, want 3", opens)
	}
}

func TestESCPOSLayoutErrors(t *testing.T) {
	bad := printer.DefaultLayout()
	bad.WidthMM = 70
	if _, err := NewESCPOS(nil, bad, quiet); err == nil || !strings.Contains(err.Error(), "WidthMM") {
		t.Errorf("got %v, want an error naming WidthMM", err)
	}
	p, _ := NewESCPOS(func() (printer.Transport, error) { return printer.NewVirtual(t.TempDir(), 80) }, printer.DefaultLayout(), quiet)
	tk := testTicket()
	tk.ETicketURL = "http://x/" + strings.Repeat("x", 8000) // too long for a QR code
	if err := p.Print(context.Background(), tk); !errors.Is(err, ErrLayout) {
		t.Errorf("got %v, want ErrLayout", err)
	}
}
