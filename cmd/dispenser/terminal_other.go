//go:build !linux

package main

import "os"

// isTerminal reports whether f is a character device; on Linux it is
// asked for its terminal attributes instead.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
