package printer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/printer"
)

// fakePrinter is a network printer on 127.0.0.1: it records what it is
// sent and answers DLE EOT n with answers[n] (no answer when absent).
type fakePrinter struct {
	ln      net.Listener
	answers map[byte]byte
	done    chan struct{}

	mu  sync.Mutex
	got []byte
}

func newFakePrinter(t *testing.T, answers map[byte]byte) *fakePrinter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePrinter{ln: ln, answers: answers, done: make(chan struct{})}
	go p.serve()
	t.Cleanup(func() { ln.Close(); <-p.done })
	return p
}

// serve handles one connection; it stops when the listener or the
// connection is closed.
func (p *fakePrinter) serve() {
	defer close(p.done)
	conn, err := p.ln.Accept()
	if err != nil {
		return
	}
	defer conn.Close()
	answer(conn, p.answers, func(b []byte) {
		p.mu.Lock()
		p.got = append(p.got, b...)
		p.mu.Unlock()
	})
}

// answer reads rw until it ends, answering DLE EOT n with answers[n].
func answer(rw io.ReadWriter, answers map[byte]byte, record func([]byte)) {
	var last [2]byte
	buf := make([]byte, 4096)
	for {
		n, err := rw.Read(buf)
		for _, c := range buf[:n] {
			if last[0] == 0x10 && last[1] == 0x04 {
				if a, ok := answers[c]; ok {
					rw.Write([]byte{a})
				}
			}
			last[0], last[1] = last[1], c
		}
		record(buf[:n])
		if err != nil {
			return
		}
	}
}

func (p *fakePrinter) received() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.got)
}

var (
	online     = map[byte]byte{1: 0x12, 2: 0x12, 4: 0x12}
	paperOut   = map[byte]byte{1: 0x1A, 2: 0x32, 4: 0x72}
	coverOpen  = map[byte]byte{1: 0x1A, 2: 0x16, 4: 0x12}
	paperLow   = map[byte]byte{1: 0x12, 2: 0x12, 4: 0x1E}
	notAnswers = map[byte]byte{1: 0xFF, 2: 0x12, 4: 0x12}
)

func TestTCPStatus(t *testing.T) {
	tests := []struct {
		name    string
		answers map[byte]byte
		want    printer.Status
		wantErr string
	}{
		{"online", online, printer.Status{Online: true, Known: true}, ""},
		{"paper out", paperOut, printer.Status{PaperOut: true, Known: true}, ""},
		{"cover open", coverOpen, printer.Status{CoverOpen: true, Known: true}, ""},
		{"paper near its end", paperLow, printer.Status{Online: true, PaperLow: true, Known: true}, ""},
		{"not a status answer", notAnswers, printer.Status{}, "status byte 1 is 0xFF"},
		{"no answer", map[byte]byte{}, printer.Status{}, "did not respond within 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakePrinter(t, tt.answers)
			tr, err := printer.OpenTransport(printer.TransportConfig{Kind: "tcp", Address: fake.ln.Addr().String(), Timeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			got, err := tr.Status(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got %+v, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestTCPWritesTheTicket(t *testing.T) {
	fake := newFakePrinter(t, online)
	tr, err := printer.DialTCP(fake.ln.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := printer.Encode(sampleTicket(), printer.DefaultLayout())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Write(ticket); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	<-fake.done
	want := append(bytes.Clone(ticket), 0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4)
	if got := fake.received(); !bytes.Equal(got, want) {
		t.Errorf("got %d bytes, want the ticket's %d and three DLE EOT", len(got), len(ticket))
	}
}

func TestTCPUnreachable(t *testing.T) {
	// A port nobody listens on: refused at once, with a clear error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = printer.OpenTransport(printer.TransportConfig{Kind: "tcp", Address: addr, Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "printer: connect to "+addr) || !strings.Contains(err.Error(), "is the printer on") {
		t.Errorf("got %v, want an error naming %s and what to check", err, addr)
	}

	// A host that does not answer: an error, never a hang.
	done := make(chan error, 1)
	go func() {
		_, err := printer.DialTCP("192.0.2.1", 300*time.Millisecond) // TEST-NET-1, routed nowhere
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "192.0.2.1:9100") {
			t.Errorf("got %v, want an error naming 192.0.2.1:9100", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("DialTCP hung past its timeout")
	}
}

func TestTCPWriteTimesOut(t *testing.T) {
	// A printer that takes the connection but never reads: the write fails
	// once the buffers are full, within the timeout, not hangs.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	tr, err := printer.DialTCP(ln.Addr().String(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	defer func() {
		select {
		case c := <-accepted:
			c.Close()
		default:
		}
	}()
	_, err = tr.Write(make([]byte, 64<<20))
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "did not respond within 200ms") {
		t.Errorf("got %v, want a timeout error", err)
	}
}

func TestDeviceFile(t *testing.T) {
	t.Run("a plain file takes the bytes and is one-way", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "lp0")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		tr, err := printer.OpenTransport(printer.TransportConfig{Kind: "usb", Path: path})
		if err != nil {
			t.Fatal(err)
		}
		ticket, _ := printer.Encode(sampleTicket(), printer.DefaultLayout())
		if _, err := tr.Write(ticket); err != nil {
			t.Fatal(err)
		}
		st, err := tr.Status(context.Background())
		if err != nil || st.Known {
			t.Errorf("got %+v, %v; want an unknown status and no error", st, err)
		}
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, ticket) {
			t.Errorf("got %d bytes in the file, want the ticket's %d", len(got), len(ticket))
		}
	})
	t.Run("a device that cannot be polled is one-way", func(t *testing.T) {
		tr, err := printer.OpenDevice("/dev/null", time.Second)
		if err != nil {
			t.Skip(err)
		}
		defer tr.Close()
		if st, err := tr.Status(context.Background()); err != nil || st.Known {
			t.Errorf("got %+v, %v; want an unknown status and no error", st, err)
		}
	})
	t.Run("missing device", func(t *testing.T) {
		_, err := printer.OpenTransport(printer.TransportConfig{Kind: "usb", Path: "/dev/usb/lp9"})
		want := "printer: open /dev/usb/lp9: no such file or directory — is the printer connected and the usblp module loaded?"
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
}

func TestTransportConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  printer.TransportConfig
		want string // "" for valid
	}{
		{"usb", printer.TransportConfig{Kind: "usb", Path: "/dev/usb/lp0"}, ""},
		{"serial", printer.TransportConfig{Kind: "serial", Path: "/dev/ttyUSB0", Baud: 19200}, ""},
		{"serial default baud", printer.TransportConfig{Kind: "serial", Path: "/dev/ttyUSB0"}, ""},
		{"tcp", printer.TransportConfig{Kind: "tcp", Address: "192.168.1.50"}, ""},
		{"virtual", printer.TransportConfig{Kind: "virtual", Dir: "var/tickets", WidthMM: 58}, ""},
		{"no kind", printer.TransportConfig{}, `Kind is ""`},
		{"unknown kind", printer.TransportConfig{Kind: "bluetooth"}, `Kind is "bluetooth"`},
		{"usb without path", printer.TransportConfig{Kind: "usb"}, "Path is empty"},
		{"serial without path", printer.TransportConfig{Kind: "serial", Baud: 9600}, "Path is empty"},
		{"serial odd baud", printer.TransportConfig{Kind: "serial", Path: "/dev/ttyS0", Baud: 12345}, "Baud is 12345"},
		{"tcp without address", printer.TransportConfig{Kind: "tcp"}, "Address is empty"},
		{"virtual without dir", printer.TransportConfig{Kind: "virtual"}, "Dir is empty"},
		{"virtual width", printer.TransportConfig{Kind: "virtual", Dir: "x", WidthMM: 76}, "WidthMM is 76"},
		{"negative timeout", printer.TransportConfig{Kind: "tcp", Address: "x", Timeout: -time.Second}, "Timeout is -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
			if tt.want != "" {
				if _, err := printer.OpenTransport(tt.cfg); err == nil {
					t.Error("OpenTransport: got no error for a bad config")
				}
			}
		})
	}
}

func TestOpenVirtual(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tickets")
	// A printer that numbers WPC1250 as 47: the virtual printer follows the config.
	cp := printer.CodePage{Name: "wpc1250", Number: 47}
	tr, err := printer.OpenTransport(printer.TransportConfig{Kind: "virtual", Dir: dir, WidthMM: 58, CodePage: cp})
	if err != nil {
		t.Fatal(err)
	}
	l := layout(58, cp)
	ticket, err := printer.Encode(sampleTicket(), l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Write(ticket); err != nil {
		t.Fatal(err)
	}
	v := tr.(*printer.Virtual)
	if v.LastPath() == "" || filepath.Dir(v.LastPath()) != dir {
		t.Errorf("got LastPath %q, want a file in %s", v.LastPath(), dir)
	}
	f, err := os.Open(v.LastPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name                  string
		printer, offline, ppr byte
		want                  printer.Status
	}{
		{"all clear", 0x12, 0x12, 0x12, printer.Status{Online: true, Known: true}},
		{"offline", 0x1A, 0x12, 0x12, printer.Status{Known: true}},
		{"stopped at paper end", 0x1A, 0x32, 0x12, printer.Status{PaperOut: true, Known: true}},
		{"paper end sensor", 0x12, 0x12, 0x60 | 0x12, printer.Status{Online: true, PaperOut: true, Known: true}},
		{"near end sensor", 0x12, 0x12, 0x0C | 0x12, printer.Status{Online: true, PaperLow: true, Known: true}},
		{"cover open", 0x1A, 0x16, 0x12, printer.Status{CoverOpen: true, Known: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := printer.ParseStatus(tt.printer, tt.offline, tt.ppr)
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := printer.ParseStatus(0x12, 0x00, 0x12); err == nil || !strings.Contains(err.Error(), "status byte 2 is 0x00") {
		t.Errorf("got %v, want an error naming status byte 2", err)
	}
}
