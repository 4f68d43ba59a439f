package goldentest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what Bytes reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "golden.txt")
	Bytes(t, path, []byte("zażółć\n"), true) // -update writes it
	if data, err := os.ReadFile(path); err != nil || string(data) != "zażółć\n" {
		t.Fatalf("written: %q, %v", data, err)
	}
	tests := []struct {
		name string
		got  []byte
		want string // in the report, "" for none
	}{
		{"the same", []byte("zażółć\n"), ""},
		{"other text", []byte("gęślą\n"), "got\n%s\nwant"},
		{"other bytes", []byte{0xff, 0x00}, "first difference at offset %d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Bytes(r, path, tt.got, false)
			switch {
			case tt.want == "" && len(r.errors) != 0:
				t.Fatalf("got %v, want no report", r.errors)
			case tt.want != "" && (len(r.errors) != 1 || !strings.Contains(r.errors[0], tt.want)):
				t.Fatalf("got %v, want a report with %q", r.errors, tt.want)
			}
		})
	}
}
