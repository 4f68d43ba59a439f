package printer_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/numerek/numerek/printer"
)

func TestEncoderCommands(t *testing.T) {
	tests := []struct {
		name  string
		build func(e *printer.Encoder)
		want  []byte
	}{
		{"init", func(e *printer.Encoder) { e.Init() }, []byte{0x1B, 0x40}},
		{"code page pc852", func(e *printer.Encoder) { e.CodePage(printer.PC852) }, []byte{0x1B, 0x74, 18}},
		{"code page wpc1250", func(e *printer.Encoder) { e.CodePage(printer.WPC1250) }, []byte{0x1B, 0x74, 45}},
		{"code page numbered by config", func(e *printer.Encoder) { e.CodePage(printer.CodePage{Name: "pc852", Number: 46}) }, []byte{0x1B, 0x74, 46}},
		{"align left", func(e *printer.Encoder) { e.Align(printer.AlignLeft) }, []byte{0x1B, 0x61, 0}},
		{"align center", func(e *printer.Encoder) { e.Align(printer.AlignCenter) }, []byte{0x1B, 0x61, 1}},
		{"align right", func(e *printer.Encoder) { e.Align(printer.AlignRight) }, []byte{0x1B, 0x61, 2}},
		{"bold on", func(e *printer.Encoder) { e.Bold(true) }, []byte{0x1B, 0x45, 1}},
		{"bold off", func(e *printer.Encoder) { e.Bold(false) }, []byte{0x1B, 0x45, 0}},
		{"size normal", func(e *printer.Encoder) { e.Size(1, 1) }, []byte{0x1D, 0x21, 0x00}},
		{"size double", func(e *printer.Encoder) { e.Size(2, 2) }, []byte{0x1D, 0x21, 0x11}},
		{"size wide", func(e *printer.Encoder) { e.Size(2, 1) }, []byte{0x1D, 0x21, 0x10}},
		{"size tall", func(e *printer.Encoder) { e.Size(1, 2) }, []byte{0x1D, 0x21, 0x01}},
		{"size 8x8", func(e *printer.Encoder) { e.Size(8, 8) }, []byte{0x1D, 0x21, 0x77}},
		{"feed 3", func(e *printer.Encoder) { e.Feed(3) }, []byte{0x1B, 0x64, 3}},
		{"line spacing 40", func(e *printer.Encoder) { e.LineSpacing(40) }, []byte{0x1B, 0x33, 40}},
		{"line spacing default", func(e *printer.Encoder) { e.LineSpacing(-1) }, []byte{0x1B, 0x32}},
		{"line", func(e *printer.Encoder) { e.Line("A1") }, []byte{'A', '1', 0x0A}},
		{"polish in pc852", func(e *printer.Encoder) { e.CodePage(printer.PC852).Text("ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ") },
			append([]byte{0x1B, 0x74, 18}, 0xA5, 0x86, 0xA9, 0x88, 0xE4, 0xA2, 0x98, 0xAB, 0xBE, ' ', 0xA4, 0x8F, 0xA8, 0x9D, 0xE3, 0xE0, 0x97, 0x8D, 0xBD)},
		{"polish in wpc1250", func(e *printer.Encoder) { e.CodePage(printer.WPC1250).Text("ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ") },
			append([]byte{0x1B, 0x74, 45}, 0xB9, 0xE6, 0xEA, 0xB3, 0xF1, 0xF3, 0x9C, 0x9F, 0xBF, ' ', 0xA5, 0xC6, 0xCA, 0xA3, 0xD1, 0xD3, 0x8C, 0x8F, 0xAF)},
		{"qr", func(e *printer.Encoder) { e.QR("https://x.pl/e/1", 6, printer.QRErrorCorrectionM) }, qrBytes("https://x.pl/e/1", 6, 49)},
		{"cut full", func(e *printer.Encoder) { e.Cut(printer.CutFull) }, []byte{0x1D, 0x56, 0}},
		{"cut partial", func(e *printer.Encoder) { e.Cut(printer.CutPartial) }, []byte{0x1D, 0x56, 1}},
		{"cut none", func(e *printer.Encoder) { e.Cut(printer.CutNone) }, nil},
		{"feed and cut full", func(e *printer.Encoder) { e.FeedCut(printer.CutFull, 0) }, []byte{0x1D, 0x56, 65, 0}},
		{"feed and cut partial", func(e *printer.Encoder) { e.FeedCut(printer.CutPartial, 10) }, []byte{0x1D, 0x56, 66, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := printer.NewEncoder()
			tt.build(e)
			got, err := e.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got % X, want % X", got, tt.want)
			}
		})
	}
}

// qrBytes is the GS ( k sequence for a QR code, written out by hand.
func qrBytes(data string, module, ec byte) []byte {
	n := len(data) + 3
	b := []byte{
		0x1D, 0x28, 0x6B, 4, 0, 0x31, 0x41, 0x32, 0x00, // model 2
		0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x43, module, // module size
		0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x45, ec, // error correction
		0x1D, 0x28, 0x6B, byte(n), byte(n >> 8), 0x31, 0x50, 0x30, // store
	}
	b = append(b, data...)
	return append(b, 0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x51, 0x30) // print
}

func TestEncoderQRLongData(t *testing.T) {
	data := strings.Repeat("x", 300)
	got, err := printer.NewEncoder().QR(data, 3, printer.QRErrorCorrectionL).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	// pL pH of the store function: 303 = 0x012F.
	store := []byte{0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30}
	if !bytes.Contains(got, store) {
		t.Errorf("got no store command % X for 300 bytes of data", store)
	}
}

func TestEncoderErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(e *printer.Encoder)
		want  string
	}{
		{"size 0", func(e *printer.Encoder) { e.Size(0, 1) }, "character size 0x1"},
		{"size 9", func(e *printer.Encoder) { e.Size(1, 9) }, "character size 1x9"},
		{"feed 256", func(e *printer.Encoder) { e.Feed(256) }, "feed 256 lines"},
		{"unknown code page", func(e *printer.Encoder) { e.CodePage(printer.CodePage{Name: "cp437"}) }, `code page "cp437"`},
		{"qr module 17", func(e *printer.Encoder) { e.QR("x", 17, printer.QRErrorCorrectionM) }, "QR module size 17"},
		{"qr no data", func(e *printer.Encoder) { e.QR("", 3, printer.QRErrorCorrectionM) }, "QR code with no data"},
		{"qr error correction", func(e *printer.Encoder) { e.QR("x", 3, 'X') }, "QR error correction 88"},
		{"cut mode", func(e *printer.Encoder) { e.Cut("half") }, `cut mode "half"`},
		{"first error kept", func(e *printer.Encoder) { e.Size(9, 9).Feed(999) }, "character size 9x9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := printer.NewEncoder()
			tt.build(e)
			_, err := e.Bytes()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTransliterate(t *testing.T) {
	tests := []struct {
		name     string
		cp       printer.CodePage
		in       string
		want     string
		replaced int
	}{
		{"polish stays in pc852", printer.PC852, "Zażółć gęślą jaźń", "Zażółć gęślą jaźń", 0},
		{"polish stays in wpc1250", printer.WPC1250, "ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "ZAŻÓŁĆ GĘŚLĄ JAŹŃ", 0},
		{"polish without a code page", printer.CodePage{}, "Łódź", "Lodz", 3},
		{"quotes in pc852", printer.PC852, "„Centrum” “x”", `"Centrum" "x"`, 4},
		{"quotes in wpc1250 are native", printer.WPC1250, "„Centrum”", "„Centrum”", 0},
		{"dashes in pc852", printer.PC852, "8:00–16:00 — pn.", "8:00-16:00 - pn.", 2},
		{"dashes in wpc1250 are native", printer.WPC1250, "8:00–16:00", "8:00–16:00", 0},
		{"ellipsis in pc852", printer.PC852, "czekaj…", "czekaj...", 1},
		{"euro in pc852", printer.PC852, "opłata 17 €", "opłata 17 EUR", 1},
		{"euro in wpc1250 is native", printer.WPC1250, "17 €", "17 €", 0},
		{"accents the page lacks", printer.PC852, "Señor Müller à", "Senor Müller a", 2},
		{"cyrillic", printer.PC852, "Київ", "????", 4},
		{"chinese", printer.WPC1250, "北京", "??", 2},
		{"emoji", printer.PC852, "ok 👍", "ok ?", 1},
		{"control characters", printer.PC852, "a\x1bb\tc", "a?b c", 2},
		{"newline kept", printer.PC852, "a\nb", "a\nb", 0},
		{"non-breaking space", printer.WPC1250, "15\u00a0min", "15\u00a0min", 0},
		{"zero-width space", printer.PC852, "a\u200bb", "ab", 1},
		{"fullwidth letters", printer.PC852, "ＡＢ", "AB", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := tt.cp.Transliterate(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || n != tt.replaced {
				t.Errorf("got %q (%d replaced), want %q (%d replaced)", got, n, tt.want, tt.replaced)
			}
		})
	}
}

func TestEncoderCountsReplaced(t *testing.T) {
	e := printer.NewEncoder().CodePage(printer.PC852).Text("Centrum – „Plac” €")
	got, err := e.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0x1B, 0x74, 18}, `Centrum - "Plac" EUR`...)
	if !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if e.Replaced() != 4 {
		t.Errorf("got %d replaced, want 4", e.Replaced())
	}
}

func TestCodePageByName(t *testing.T) {
	for _, tt := range []struct {
		name string
		want printer.CodePage
		err  bool
	}{
		{"pc852", printer.PC852, false},
		{"WPC1250", printer.WPC1250, false},
		{"cp437", printer.CodePage{}, true},
	} {
		got, err := printer.CodePageByName(tt.name)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("CodePageByName(%q) = %v, %v; want %v, error %t", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestParseQRErrorCorrection(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want printer.QRErrorCorrection
	}{{"L", 48}, {"m", 49}, {"Q", 50}, {" H ", 51}} {
		got, err := printer.ParseQRErrorCorrection(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseQRErrorCorrection(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if _, err := printer.ParseQRErrorCorrection("X"); err == nil {
		t.Error("got no error for X, want one")
	}
}
