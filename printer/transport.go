package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

// TransportConfig says how to reach a printer.
type TransportConfig struct {
	Kind    string        // "usb" (a usblp device file), "serial", "tcp" or "virtual"
	Path    string        // usb, serial: the device file, e.g. /dev/usb/lp0, /dev/ttyUSB0
	Address string        // tcp: host or host:port; the port is 9100 when not given
	Baud    int           // serial: bits per second; 0 is 9600
	Dir     string        // virtual: where the ticket PNGs are saved
	Timeout time.Duration // connect, write and status answers; 0 is DefaultTimeout

	WidthMM  int      // virtual: paper width, 58 or 80; 0 is 80
	CodePage CodePage // virtual: the table the tickets select, if not numbered as Epson does
}

// DefaultTimeout bounds connecting, writing and waiting for a status answer.
const DefaultTimeout = 5 * time.Second

// Validate says what is wrong with c, naming the field.
func (c TransportConfig) Validate() error {
	switch c.Kind {
	case "usb", "serial":
		if c.Path == "" {
			return fmt.Errorf("printer transport %s: Path is empty, want the device file (e.g. %s)", c.Kind, map[string]string{"usb": "/dev/usb/lp0", "serial": "/dev/ttyUSB0"}[c.Kind])
		}
		if c.Kind == "serial" && c.Baud != 0 {
			if !slices.Contains(baudRates, c.Baud) {
				return fmt.Errorf("printer transport serial: Baud is %d, want one of 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400", c.Baud)
			}
		}
	case "tcp":
		if c.Address == "" {
			return errors.New("printer transport tcp: Address is empty, want host or host:port (port 9100 by default)")
		}
	case "virtual":
		if c.Dir == "" {
			return errors.New("printer transport virtual: Dir is empty, want the directory for the ticket PNGs")
		}
		if c.WidthMM != 0 && c.WidthMM != 58 && c.WidthMM != 80 {
			return fmt.Errorf("printer transport virtual: WidthMM is %d, want 58 or 80", c.WidthMM)
		}
	default:
		return fmt.Errorf("printer transport: Kind is %q, want usb, serial, tcp or virtual", c.Kind)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("printer transport %s: Timeout is %s, want a positive duration", c.Kind, c.Timeout)
	}
	return nil
}

// baudRates are the speeds a serial printer can be set to.
var baudRates = []int{2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}

// OpenTransport opens the printer c describes. An unreachable printer is
// an error within c.Timeout, never a hang.
func OpenTransport(c TransportConfig) (Transport, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	switch c.Kind {
	case "usb":
		return OpenDevice(c.Path, c.Timeout)
	case "serial":
		baud := c.Baud
		if baud == 0 {
			baud = 9600
		}
		return OpenSerial(c.Path, baud, c.Timeout)
	case "tcp":
		return DialTCP(c.Address, c.Timeout)
	default: // virtual
		width := c.WidthMM
		if width == 0 {
			width = 80
		}
		var pages []CodePage
		if c.CodePage.Name != "" {
			pages = append([]CodePage{c.CodePage}, DefaultCodePages...)
		}
		return NewVirtual(c.Dir, width, pages...)
	}
}

// stream is a printer behind a byte stream that may or may not answer:
// a TCP connection, a device file or a serial port.
type stream struct {
	rw      io.ReadWriteCloser
	name    string
	timeout time.Duration
	twoWay  bool

	mu sync.Mutex // one write or status question at a time
}

// deadliner is what net.Conn and a pollable os.File have.
type deadliner interface {
	SetWriteDeadline(time.Time) error
	SetReadDeadline(time.Time) error
}

// Write sends p, failing when the printer does not take it within the
// timeout (out of paper with a full buffer, unplugged, switched off).
func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.rw.(deadliner); ok {
		_ = d.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	n, err := s.rw.Write(p)
	if err != nil {
		return n, fmt.Errorf("printer: write to %s: %w", s.name, explain(err, s.timeout))
	}
	return n, nil
}

// Status asks the printer with DLE EOT 1 (printer status), 2 (offline
// cause) and 4 (roll paper sensor), each answered by one byte.
func (s *stream) Status(ctx context.Context) (Status, error) {
	if !s.twoWay {
		return Status{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	deadline := time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dl := s.rw.(deadliner)
	var answers [3]byte
	for i, n := range []byte{1, 2, 4} {
		if err := ctx.Err(); err != nil {
			return Status{}, err
		}
		_ = dl.SetWriteDeadline(deadline)
		if _, err := s.rw.Write([]byte{dle, eot, n}); err != nil {
			return Status{}, fmt.Errorf("printer: ask %s for status: %w", s.name, explain(err, s.timeout))
		}
		_ = dl.SetReadDeadline(deadline)
		var b [1]byte
		if _, err := io.ReadFull(s.rw, b[:]); err != nil {
			return Status{}, fmt.Errorf("printer: status of %s (DLE EOT %d): no answer: %w", s.name, n, explain(err, s.timeout))
		}
		answers[i] = b[0]
	}
	return ParseStatus(answers[0], answers[1], answers[2])
}

// ParseStatus reads the answers to DLE EOT 1, 2 and 4, as Epson defines
// them: in each, bits 1 and 4 are 1 and bits 0 and 7 are 0. DLE EOT 1 bit
// 3: offline. DLE EOT 2 bit 2: cover open; bit 5: stopped at paper end.
// DLE EOT 4 bits 2 and 3: paper near its end; bits 5 and 6: paper end.
func ParseStatus(printer, offline, paper byte) (Status, error) {
	for i, b := range []byte{printer, offline, paper} {
		if b&0x93 != 0x12 {
			return Status{}, fmt.Errorf("printer: status byte %d is 0x%02X, not an answer to DLE EOT %d", i+1, b, []int{1, 2, 4}[i])
		}
	}
	return Status{
		Online:    printer&0x08 == 0,
		CoverOpen: offline&0x04 != 0,
		PaperOut:  paper&0x60 != 0 || offline&0x20 != 0,
		PaperLow:  paper&0x0C != 0,
		Known:     true,
	}, nil
}

func (s *stream) Close() error { return s.rw.Close() }

// explain makes a timeout say how long was waited.
func explain(err error, timeout time.Duration) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("printer did not respond within %s: %w", timeout, err)
	}
	return err
}

// DialTCP connects to a network printer's raw port (9100 unless address
// names one). The connection is two-way: Status asks the printer.
func DialTCP(address string, timeout time.Duration) (Transport, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if _, _, err := net.SplitHostPort(address); err != nil {
		address = net.JoinHostPort(address, "9100")
	}
	conn, err := net.DialTimeout("tcp", address, timeout)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			err = fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		return nil, fmt.Errorf("printer: connect to %s: %w — is the printer on and its address right?", address, err)
	}
	return &stream{rw: conn, name: address, timeout: timeout, twoWay: true}, nil
}

// OpenDevice opens a printer's device file (the Linux usblp driver's
// /dev/usb/lp0). It is opened for reading too where it can be, so Status
// can ask the printer; a device that cannot be read, or a plain file, is
// one-way and its Status is not Known.
func OpenDevice(path string, timeout time.Duration) (Transport, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, deviceError(err, "is the printer connected and the usblp module loaded?")
	}
	charDevice := fi.Mode()&fs.ModeCharDevice != 0
	if charDevice {
		if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
			twoWay := f.SetReadDeadline(time.Time{}) == nil
			return &stream{rw: f, name: path, timeout: timeout, twoWay: twoWay}, nil
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, deviceError(err, "is the printer connected and the usblp module loaded?")
	}
	return &stream{rw: f, name: path, timeout: timeout}, nil
}

// deviceError adds what to check to an error opening a device file.
func deviceError(err error, hint string) error {
	if errors.Is(err, fs.ErrPermission) {
		hint = "is this user in the lp (USB) or dialout (serial) group?"
	}
	var perr *fs.PathError
	if errors.As(err, &perr) && errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("printer: open %s: no such file or directory — %s", perr.Path, hint)
	}
	return fmt.Errorf("printer: %w — %s", err, hint)
}
