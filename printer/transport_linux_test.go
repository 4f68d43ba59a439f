package printer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/numerek/numerek/printer"
)

// openPTY returns the master side of a new pseudo-terminal and the path of
// its slave, which stands in for a serial port or a two-way device file.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	return master, fmt.Sprintf("/dev/pts/%d", n)
}

func TestSerial(t *testing.T) {
	t.Run("raw port, bytes through, status asked", func(t *testing.T) {
		master, slave := openPTY(t)
		tr, err := printer.OpenTransport(printer.TransportConfig{Kind: "serial", Path: slave, Baud: 19200, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan []byte, 1)
		go func() {
			var all []byte
			answer(master, paperLow, func(b []byte) { all = append(all, b...) })
			got <- all
		}()
		// Raw mode: no byte is translated (LF stays LF, 0x11 is no XON).
		ticket := []byte("A\n\x11\x13\x1b@\r\x7f\xff")
		if _, err := tr.Write(ticket); err != nil {
			t.Fatal(err)
		}
		st, err := tr.Status(context.Background())
		if err != nil || st != (printer.Status{Online: true, PaperLow: true, Known: true}) {
			t.Errorf("got %+v, %v; want online, paper low, known", st, err)
		}
		tr.Close()
		master.Close()
		want := string(ticket) + "\x10\x04\x01\x10\x04\x02\x10\x04\x04"
		if b := <-got; !strings.HasPrefix(string(b), want) {
			t.Errorf("got % X, want % X", b, want)
		}
	})
	t.Run("no answer is an error, not a hang", func(t *testing.T) {
		_, slave := openPTY(t)
		tr, err := printer.OpenSerial(slave, 9600, 150*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		if _, err := tr.Status(context.Background()); err == nil || !strings.Contains(err.Error(), "did not respond within 150ms") {
			t.Errorf("got %v, want a timeout", err)
		}
	})
	t.Run("missing port", func(t *testing.T) {
		_, err := printer.OpenTransport(printer.TransportConfig{Kind: "serial", Path: "/dev/ttyNOPE"})
		want := "printer: open /dev/ttyNOPE: no such file or directory — is the printer's serial adapter plugged in?"
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("not a serial port", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ttyS0")
		os.WriteFile(path, nil, 0o600)
		_, err := printer.OpenSerial(path, 9600, time.Second)
		if err == nil || !strings.Contains(err.Error(), "is it a serial port?") {
			t.Errorf("got %v, want an error asking if it is a serial port", err)
		}
	})
	t.Run("unsupported baud", func(t *testing.T) {
		_, err := printer.OpenSerial("/dev/ttyS0", 1234, time.Second)
		if err == nil || !strings.Contains(err.Error(), "Baud is 1234") {
			t.Errorf("got %v, want an error naming Baud", err)
		}
	})
}

func TestDeviceTwoWay(t *testing.T) {
	// A pseudo-terminal is a pollable character device, as usblp's lp0 is.
	master, slave := openPTY(t)
	// Raw, so the terminal layer does not echo or translate.
	raw, err := printer.OpenSerial(slave, 9600, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tr, err := printer.OpenDevice(slave, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	go answer(master, coverOpen, func([]byte) {})
	st, err := tr.Status(context.Background())
	if err != nil || st != (printer.Status{CoverOpen: true, Known: true}) {
		t.Errorf("got %+v, %v; want cover open, offline, known", st, err)
	}
}
