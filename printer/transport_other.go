//go:build !linux

package printer

import (
	"fmt"
	"time"
)

// OpenSerial opens a printer on a serial port; numerek does so on Linux only.
func OpenSerial(path string, baud int, timeout time.Duration) (Transport, error) {
	return nil, fmt.Errorf("printer: serial %s: serial printers are supported on Linux only", path)
}
