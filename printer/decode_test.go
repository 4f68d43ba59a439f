package printer_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/numerek/numerek/printer"
)

func TestDecodeOps(t *testing.T) {
	b, err := printer.NewEncoder().Init().CodePage(printer.WPC1250).Align(printer.AlignCenter).
		Bold(true).Size(2, 3).Text("Łąka").Bold(false).Size(1, 1).Line(" ok").
		LineSpacing(40).Feed(2).QR("https://x.pl/e/1", 5, printer.QRErrorCorrectionH).FeedCut(printer.CutPartial, 3).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := printer.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	got := printer.Dump(ops)
	want := `0000 init
0002 codepage wpc1250 (ESC t 45)
0005 align center
0008 bold true
0011 size 2x3
0014 text center bold 2x3 "Łąka"
0018 bold false
0021 size 1x1
0024 text center " ok"
0027 newline
0028 spacing 40
0031 feed 2
0083 qr center module 5 ec H "https://x.pl/e/1"
0091 cut partial after feed +3
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		want      string
		truncated bool
	}{
		{"unknown ESC", []byte("ab\x1bM\x01"), "at offset 2: unknown command ESC 0x4D", false},
		{"unknown GS", []byte("\x1b@\x1dL\x00\x00"), "at offset 2: unknown command GS 0x4C", false},
		{"unknown control", []byte("abc\x09"), "at offset 3: unknown control byte 0x09", false},
		{"unknown code page", []byte("\x1bt\x07"), "at offset 0: ESC t 7 selects a code page", false},
		{"bad alignment", []byte("\x1ba\x05"), "at offset 0: ESC a 5", false},
		{"bad cut", []byte("\x1dV\x07"), "at offset 0: GS V 7", false},
		{"qr print without data", []byte("\x1d(k\x03\x001Q0"), "at offset 0: GS ( k print with no QR data", false},
		{"not a qr code", []byte("\x1d(k\x03\x000C\x03"), "only QR codes", false},
		{"qr model 1", []byte("\x1d(k\x04\x001A1\x00"), "GS ( k QR function 65", false},
		{"truncated ESC", []byte("abc\x1b"), "at offset 3", true},
		{"truncated QR data", []byte("\x1d(k\x10\x001P0abc"), "at offset 0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := printer.Decode(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
			if got := strings.Contains(err.Error(), "ends inside a command"); got != tt.truncated {
				t.Errorf("got truncated %t, want %t (%v)", got, tt.truncated, errors.Unwrap(err))
			}
		})
	}
}

func TestDecodeConfiguredCodePageNumber(t *testing.T) {
	// A printer that numbers PC852 as 46: the config says so, the decoder follows.
	cp := printer.CodePage{Name: "pc852", Number: 46}
	b, _ := printer.NewEncoder().CodePage(cp).Text("żółw").Bytes()
	ops, err := printer.Decode(b, cp)
	if err != nil {
		t.Fatal(err)
	}
	if got := ops[len(ops)-1].Text; got != "żółw" {
		t.Errorf("got %q, want %q", got, "żółw")
	}
	if _, err := printer.Decode(b); err == nil {
		t.Error("got no error decoding ESC t 46 with the default pages, want one")
	}
}
