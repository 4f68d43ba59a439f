package printer

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// termiosSpeed is the termios speed constant for each rate in baudRates.
var termiosSpeed = map[int]uint32{
	2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600, 19200: unix.B19200,
	38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200, 230400: unix.B230400,
}

// OpenSerial opens a printer on a serial port (e.g. /dev/ttyUSB0) in raw
// mode at baud bits per second, 8 data bits, no parity, one stop bit, no
// flow control. The port is two-way: Status asks the printer.
func OpenSerial(path string, baud int, timeout time.Duration) (Transport, error) {
	speed, ok := termiosSpeed[baud]
	if !ok {
		return nil, fmt.Errorf("printer: serial %s: Baud is %d, want one of 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400", path, baud)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, deviceError(&os.PathError{Op: "open", Path: path, Err: err}, "is the printer's serial adapter plugged in?")
	}
	if err := makeRaw(fd, speed); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("printer: serial %s: set %d baud raw mode: %w — is it a serial port?", path, baud, err)
	}
	// Non-blocking, so the runtime's poller gives reads and writes deadlines.
	f := os.NewFile(uintptr(fd), path)
	twoWay := f.SetReadDeadline(time.Time{}) == nil
	return &stream{rw: f, name: path, timeout: timeout, twoWay: twoWay}, nil
}

// makeRaw sets fd to raw 8N1 at speed, as cfmakeraw(3) does.
func makeRaw(fd int, speed uint32) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
