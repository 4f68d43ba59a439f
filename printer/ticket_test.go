package printer_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/printer"
	"github.com/numerek/numerek/queue"
)

var goldenLayouts = []struct {
	name   string
	layout printer.Layout
}{
	{"58-pc852", layout(58, printer.PC852)},
	{"58-wpc1250", layout(58, printer.WPC1250)},
	{"80-pc852", layout(80, printer.PC852)},
	{"80-wpc1250", layout(80, printer.WPC1250)},
}

// TestEncodeGolden: the sample ticket's bytes, and their decoded dump, in
// both paper widths and both code pages.
func TestEncodeGolden(t *testing.T) {
	for _, tt := range goldenLayouts {
		t.Run(tt.name, func(t *testing.T) {
			b, err := printer.Encode(sampleTicket(), tt.layout)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "ticket-"+tt.name+".bin", b)
			ops, err := printer.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "ticket-"+tt.name+".dump.txt", []byte(printer.Dump(ops)))
		})
	}
}

// printedLines joins the decoded text runs into the lines they print on.
func printedLines(ops []printer.Op) []string {
	var lines []string
	var cur strings.Builder
	for _, op := range ops {
		switch op.Kind {
		case printer.OpText:
			cur.WriteString(op.Text)
		case printer.OpNewline:
			lines = append(lines, cur.String())
			cur.Reset()
		}
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// TestEncodeDecodeRoundTrip: Encode then Decode gives back the ticket's
// texts, wrapped to the paper, and the QR data.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, tt := range goldenLayouts {
		t.Run(tt.name, func(t *testing.T) {
			tk := sampleTicket()
			b, err := printer.Encode(tk, tt.layout)
			if err != nil {
				t.Fatal(err)
			}
			ops, err := printer.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			lines := printedLines(ops)
			all := strings.Join(lines, " ")
			// What PC852 lacks comes back transliterated.
			dash, open, close := "–", "„", "”"
			if tt.layout.CodePage == printer.PC852 {
				dash, open, close = "-", `"`, `"`
			}
			for _, want := range []string{
				"Urząd Miasta Przykładowo",
				"Biuro Obsługi Mieszkańców " + dash + " Centrum",
				"Rejestracja pojazdów",
				"A012",
				"24.11.2026 09:00",
				"Osób przed Tobą: 3",
				"Szacowany czas oczekiwania: 10" + dash + "20 min",
				"Zeskanuj kod, aby śledzić kolejkę na telefonie",
				"Godziny pracy: pn." + dash + "pt. 8:00" + dash + "16:00",
				open + "Dziękujemy za wizytę" + close,
			} {
				if !strings.Contains(all, want) {
					t.Errorf("got no %q in the printed lines %q", want, lines)
				}
			}
			var qrs []printer.QRCode
			var number printer.Style
			var cuts int
			for _, op := range ops {
				switch op.Kind {
				case printer.OpQR:
					qrs = append(qrs, op.QR)
				case printer.OpCut:
					cuts++
				case printer.OpText:
					if op.Text == "A012" {
						number = op.Style
					}
				}
			}
			if len(qrs) != 1 || qrs[0].Data != tk.ETicketURL || qrs[0].Module != 6 || qrs[0].ErrorCorrection != printer.QRErrorCorrectionM {
				t.Errorf("got QR codes %+v, want one of %q, module 6, ec M", qrs, tk.ETicketURL)
			}
			if cuts != 1 {
				t.Errorf("got %d cuts, want 1", cuts)
			}
			// The number as large as fits: 4 characters 12 dots wide.
			cols := tt.layout.Columns()
			if number.Width*4 > cols-2 || number.Width < 7 || number.Height != number.Width || number.Align != printer.AlignCenter {
				t.Errorf("got the number in %+v, want centred, square, at least 7x and within %d columns", number, cols-2)
			}
			// Every printed line fits the paper.
			for _, op := range ops {
				if op.Kind == printer.OpText && len([]rune(op.Text))*op.Style.Width > cols {
					t.Errorf("got line %q at %dx, wider than %d columns", op.Text, op.Style.Width, cols)
				}
			}
		})
	}
}

func TestEncodeNumberSize(t *testing.T) {
	tests := []struct {
		number  string
		widthMM int
		want    int
	}{
		{"A012", 80, 8},
		{"A012", 58, 7},
		{"AB123", 80, 8},
		{"AB123", 58, 6},
		{"WN-0123", 58, 4},
		{"WN-0123", 80, 6},
		{"7", 58, 8},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s on %d mm", tt.number, tt.widthMM), func(t *testing.T) {
			tk := sampleTicket()
			tk.Number = tt.number
			b, err := printer.Encode(tk, layout(tt.widthMM, printer.PC852))
			if err != nil {
				t.Fatal(err)
			}
			ops, err := printer.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range ops {
				if op.Kind == printer.OpText && op.Text == tt.number {
					if op.Style.Width != tt.want || op.Style.Height != tt.want {
						t.Errorf("got %dx%d, want %dx%d", op.Style.Width, op.Style.Height, tt.want, tt.want)
					}
					return
				}
			}
			t.Errorf("got no line %q", tt.number)
		})
	}
}

func TestEncodeWords(t *testing.T) {
	tests := []struct {
		name     string
		lang     string
		ahead    int
		estimate queue.Estimate
		want     []string
		not      []string
	}{
		{"polish", "pl", 3, queue.Estimate{Low: 15 * time.Minute, Expected: 15 * time.Minute, High: 15 * time.Minute}, []string{"Osób przed Tobą: 3", "Szacowany czas oczekiwania: ok. 15 min"}, nil},
		{"polish no estimate", "pl", 0, queue.Estimate{}, []string{"Osób przed Tobą: 0"}, []string{"Szacowany"}},
		{"polish soon", "pl", 0, queue.Estimate{Low: 20 * time.Second, Expected: 20 * time.Second, High: 20 * time.Second}, []string{"Szacowany czas oczekiwania: za chwilę"}, nil},
		{"polish rounds to the minute", "pl", 1, queue.Estimate{Low: 91 * time.Second, Expected: 91 * time.Second, High: 91 * time.Second}, []string{"ok. 2 min"}, nil},
		{"polish hour and minutes", "pl", 40, queue.Estimate{Low: 78 * time.Minute, Expected: 78 * time.Minute, High: 78 * time.Minute}, []string{"ok. 1 godz. 20 min"}, nil},
		{"polish whole hours", "pl", 40, queue.Estimate{Low: 2 * time.Hour, Expected: 2 * time.Hour, High: 2 * time.Hour}, []string{"ok. 2 godz."}, []string{"0 min"}},
		{"english", "en", 3, queue.Estimate{Low: 15 * time.Minute, Expected: 15 * time.Minute, High: 15 * time.Minute}, []string{"People ahead of you: 3", "Estimated wait: about 15 min", "Scan the code to follow the queue on your phone"}, []string{"Osób"}},
		{"english range", "en", 3, queue.Estimate{Low: 9 * time.Minute, Expected: 12 * time.Minute, High: 15 * time.Minute}, []string{"Estimated wait: 9–15 min"}, nil},
		{"polish hours", "pl", 9, queue.Estimate{Low: 50 * time.Minute, Expected: 70 * time.Minute, High: 95 * time.Minute}, []string{"Szacowany czas oczekiwania: 50 min –|1 godz. 35 min"}, nil},
		{"english soon", "en", 0, queue.Estimate{Expected: time.Second, High: 20 * time.Second}, []string{"Estimated wait: a moment"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := sampleTicket()
			tk.Ahead, tk.Estimate = tt.ahead, tt.estimate
			l := layout(80, printer.WPC1250)
			l.Lang = tt.lang
			b, err := printer.Encode(tk, l)
			if err != nil {
				t.Fatal(err)
			}
			ops, err := printer.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(printedLines(ops), "|")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("got no %q in %q", w, all)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(all, w) {
					t.Errorf("got %q in %q, want none", w, all)
				}
			}
		})
	}
}

// TestEncodeWraps: long texts are wrapped at spaces to the columns; a word
// is cut only when it is longer than a line.
func TestEncodeWraps(t *testing.T) {
	tk := sampleTicket()
	tk.LocationName = "Biuro Obsługi Mieszkańców – Centrum Obsługi Przedsiębiorców i Delegatura Konstantynopolitańczykowianeczka"
	tk.Footer = []string{"Wydział Komunikacji: Rejestracja pojazdów, prawa jazdy, tablice rejestracyjne", "https://kolejka.example.pl/bardzo/dlugi/adres/bez/spacji/ktory/trzeba/przeciac"}
	for _, widthMM := range []int{58, 80} {
		t.Run(fmt.Sprint(widthMM), func(t *testing.T) {
			l := layout(widthMM, printer.PC852)
			b, err := printer.Encode(tk, l)
			if err != nil {
				t.Fatal(err)
			}
			ops, err := printer.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			cols := l.Columns()
			words := map[string]bool{}
			for _, line := range printedLines(ops) {
				if n := len([]rune(line)); n > cols {
					t.Errorf("got line %q of %d columns, want at most %d", line, n, cols)
				}
				for _, w := range strings.Fields(line) {
					words[w] = true
				}
			}
			for _, w := range strings.Fields(tk.LocationName + " " + tk.Footer[0]) {
				if w == "–" {
					w = "-"
				}
				if len([]rune(w)) <= cols && !words[w] {
					t.Errorf("got word %q cut or missing", w)
				}
			}
		})
	}
}

func TestLayoutValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(l *printer.Layout)
		want   string // "" for valid
	}{
		{"default", func(l *printer.Layout) {}, ""},
		{"58 mm wpc1250 english", func(l *printer.Layout) { l.WidthMM, l.CodePage, l.Lang = 58, printer.WPC1250, "en" }, ""},
		{"width", func(l *printer.Layout) { l.WidthMM = 76 }, "WidthMM is 76"},
		{"code page", func(l *printer.Layout) { l.CodePage = printer.CodePage{Name: "cp437"} }, "CodePage.Name is \"cp437\""},
		{"qr module", func(l *printer.Layout) { l.QRModule = 0 }, "QRModule is 0"},
		{"qr error correction", func(l *printer.Layout) { l.QRErrorCorrection = 'M' }, "QRErrorCorrection is 77"},
		{"cut", func(l *printer.Layout) { l.Cut = "half" }, `Cut is "half"`},
		{"lang", func(l *printer.Layout) { l.Lang = "de" }, `Lang is "de"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := printer.DefaultLayout()
			tt.change(&l)
			err := l.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
			if tt.want != "" {
				if _, err := printer.Encode(sampleTicket(), l); err == nil {
					t.Error("Encode: got no error for a bad layout")
				}
			}
		})
	}
}

func TestEncodeTicketEdges(t *testing.T) {
	t.Run("no number", func(t *testing.T) {
		tk := sampleTicket()
		tk.Number = " "
		if _, err := printer.Encode(tk, printer.DefaultLayout()); err == nil || !strings.Contains(err.Error(), "no number") {
			t.Errorf("got %v, want an error saying the ticket has no number", err)
		}
	})
	t.Run("no url, no qr", func(t *testing.T) {
		tk := sampleTicket()
		tk.ETicketURL = ""
		b, err := printer.Encode(tk, printer.DefaultLayout())
		if err != nil {
			t.Fatal(err)
		}
		ops, _ := printer.Decode(b)
		for _, op := range ops {
			if op.Kind == printer.OpQR || strings.Contains(op.Text, "Zeskanuj") {
				t.Errorf("got %v, want no QR code and no line about it", op)
			}
		}
	})
	t.Run("cut none feeds to tear", func(t *testing.T) {
		l := printer.DefaultLayout()
		l.Cut = printer.CutNone
		b, err := printer.Encode(sampleTicket(), l)
		if err != nil {
			t.Fatal(err)
		}
		ops, _ := printer.Decode(b)
		last := ops[len(ops)-1]
		if last.Kind != printer.OpFeed || last.N < 3 {
			t.Errorf("got last op %v, want a feed of at least 3 lines", last)
		}
	})
	t.Run("full cut", func(t *testing.T) {
		l := printer.DefaultLayout()
		l.Cut = printer.CutFull
		b, _ := printer.Encode(sampleTicket(), l)
		ops, _ := printer.Decode(b)
		last := ops[len(ops)-1]
		if last.Kind != printer.OpCut || last.Cut != printer.CutFull || !last.Feed {
			t.Errorf("got last op %v, want a full cut after feeding to the cutter", last)
		}
	})
	t.Run("qr module shrinks to fit", func(t *testing.T) {
		tk := sampleTicket()
		tk.ETicketURL = "https://kolejka.example.pl/e/" + strings.Repeat("x", 400)
		l := layout(58, printer.PC852)
		l.QRModule = 16
		b, err := printer.Encode(tk, l)
		if err != nil {
			t.Fatal(err)
		}
		ops, _ := printer.Decode(b)
		for _, op := range ops {
			if op.Kind == printer.OpQR && op.QR.Module >= 16 {
				t.Errorf("got module %d, want it smaller so the code fits 384 dots", op.QR.Module)
			}
		}
	})
}

func BenchmarkEncodeTicket(b *testing.B) {
	tk, l := sampleTicket(), printer.DefaultLayout()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := printer.Encode(tk, l); err != nil {
			b.Fatal(err)
		}
	}
}
