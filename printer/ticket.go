package printer

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"

	"github.com/numerek/numerek/queue"
)

// Layout is how a ticket is laid out on the paper.
type Layout struct {
	WidthMM           int               // paper width: 58 (32 columns of Font A) or 80 (48 columns)
	CodePage          CodePage          // the table the text is printed in
	QRModule          int               // QR module size in dots, 1..16; smaller when the code would not fit
	QRErrorCorrection QRErrorCorrection // QR error correction level
	Cut               CutMode           // "partial", "full" or "none"
	Lang              string            // "pl" or "en": the language of the ticket's own words
}

// DefaultLayout is 80 mm paper, PC852, a QR code of 6-dot modules with
// error correction M, a partial cut and Polish words.
func DefaultLayout() Layout {
	return Layout{
		WidthMM:           80,
		CodePage:          PC852,
		QRModule:          6,
		QRErrorCorrection: QRErrorCorrectionM,
		Cut:               CutPartial,
		Lang:              "pl",
	}
}

// Validate says what is wrong with l, naming the field.
func (l Layout) Validate() error {
	var errs []error
	if l.WidthMM != 58 && l.WidthMM != 80 {
		errs = append(errs, fmt.Errorf("printer layout: WidthMM is %d, want 58 or 80", l.WidthMM))
	}
	if l.CodePage.Name != PC852.Name && l.CodePage.Name != WPC1250.Name {
		errs = append(errs, fmt.Errorf("printer layout: CodePage.Name is %q, want %q or %q", l.CodePage.Name, PC852.Name, WPC1250.Name))
	}
	if l.QRModule < 1 || l.QRModule > 16 {
		errs = append(errs, fmt.Errorf("printer layout: QRModule is %d, want 1..16", l.QRModule))
	}
	if !l.QRErrorCorrection.valid() {
		errs = append(errs, fmt.Errorf("printer layout: QRErrorCorrection is %d, want 48..51 (L, M, Q, H)", byte(l.QRErrorCorrection)))
	}
	if l.Cut != CutPartial && l.Cut != CutFull && l.Cut != CutNone {
		errs = append(errs, fmt.Errorf("printer layout: Cut is %q, want partial, full or none", l.Cut))
	}
	if _, ok := words[l.Lang]; !ok {
		errs = append(errs, fmt.Errorf("printer layout: Lang is %q, want pl or en", l.Lang))
	}
	return errors.Join(errs...)
}

// Columns is how many Font A characters (12 dots wide) fit on a line.
func (l Layout) Columns() int { return dotsWide(l.WidthMM) / fontAWidth }

// Font A, the printer's default font, in dots.
const (
	fontAWidth  = 12
	fontAHeight = 24
)

// dotsWide is the printable width in dots at 203 dpi.
func dotsWide(widthMM int) int {
	if widthMM == 58 {
		return 384
	}
	return 576
}

// ticketWords are the ticket's own words in one language. A no-break space
// (U+00A0) keeps words on one line; it prints as a space.
type ticketWords struct {
	ahead    string // "Osób przed Tobą: %d"
	estimate string // "Szacowany czas oczekiwania: %s"
	soon     string // the estimate under a minute
	about    string // "ok. %s"
	upto     string // "do %s"
	hours    string // "%d godz."
	minutes  string // "%d min"
	qr       string // what the QR code is for
}

var words = map[string]ticketWords{
	"pl": {
		ahead:    "Osób przed Tobą:\u00a0%d",
		estimate: "Szacowany czas oczekiwania: %s",
		soon:     "za\u00a0chwilę",
		about:    "ok.\u00a0%s",
		upto:     "do\u00a0%s",
		hours:    "%d\u00a0godz.",
		minutes:  "%d\u00a0min",
		qr:       "Zeskanuj kod, aby śledzić kolejkę na telefonie",
	},
	"en": {
		ahead:    "People ahead of you:\u00a0%d",
		estimate: "Estimated wait: %s",
		soon:     "a\u00a0moment",
		about:    "about\u00a0%s",
		upto:     "up\u00a0to\u00a0%s",
		hours:    "%d\u00a0h",
		minutes:  "%d\u00a0min",
		qr:       "Scan the code to follow the queue on your phone",
	},
}

// waitText says an estimated wait in words, as the e-ticket does (see
// queue.Estimate.Minutes): under a minute "za chwilę", else "ok. 15 min",
// "10–15 min", "do 4 min", "50 min – 1 godz. 20 min".
func (w ticketWords) waitText(e queue.Estimate) string {
	lo, hi := e.Minutes()
	switch {
	case hi < 1:
		return w.soon
	case lo == hi:
		return fmt.Sprintf(w.about, w.span(hi))
	case lo < 1:
		return fmt.Sprintf(w.upto, w.span(hi))
	case hi < 60:
		return fmt.Sprintf("%d–%s", lo, w.span(hi))
	}
	return w.span(lo) + " – " + w.span(hi)
}

// span says m minutes: "15 min", "1 godz. 20 min".
func (w ticketWords) span(m int) string {
	if m < 60 {
		return fmt.Sprintf(w.minutes, m)
	}
	s := fmt.Sprintf(w.hours, m/60)
	if m%60 != 0 {
		s += "\u00a0" + fmt.Sprintf(w.minutes, m%60)
	}
	return s
}

// Encode lays t out as ESC/POS bytes for a printer loaded as l says: header
// lines, the location (bold) and the service, the number as large as fits,
// the date and time, the people ahead, the estimated wait (none when
// t.Estimate is 0), the QR code of the e-ticket URL with a line saying what
// it is for (none when t.ETicketURL is empty), footer lines, feed and cut.
// Every text is word-wrapped to the paper; characters the code page lacks
// are transliterated.
func Encode(t Ticket, l Layout) ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(t.Number) == "" {
		return nil, errors.New("printer: ticket has no number")
	}
	w := words[l.Lang]
	cols := l.Columns()
	e := NewEncoder()
	e.Init().CodePage(l.CodePage).Align(AlignCenter).LineSpacing(-1)

	// paragraph prints s word-wrapped for characters widthX wide.
	paragraph := func(s string, widthX int) {
		for _, line := range wrap(s, cols/widthX, l.CodePage) {
			e.Line(line)
		}
	}

	for _, h := range t.Header {
		paragraph(h, 1)
	}
	if len(t.Header) > 0 {
		e.Feed(1)
	}
	if t.LocationName != "" {
		e.Bold(true)
		paragraph(t.LocationName, 1)
		e.Bold(false)
	}
	if t.ServiceName != "" {
		// Double size where the name fits in two lines so, else double height.
		sw := 2
		if len(wrap(t.ServiceName, cols/2, l.CodePage)) > 2 {
			sw = 1
		}
		e.Feed(1).Size(sw, 2)
		paragraph(t.ServiceName, sw)
		e.Size(1, 1)
	}

	// The number: as large as fits with a column to spare, at most 8x8.
	n := numberSize(textWidth(t.Number, l.CodePage), cols)
	e.Feed(1).Bold(true).Size(n, n)
	paragraph(t.Number, n)
	e.Size(1, 1).Bold(false).Feed(1)

	if !t.Issued.IsZero() {
		e.Line(t.Issued.Format("02.01.2006 15:04"))
	}
	e.Bold(true)
	paragraph(fmt.Sprintf(w.ahead, t.Ahead), 1)
	e.Bold(false)
	if t.Estimate != (queue.Estimate{}) {
		paragraph(fmt.Sprintf(w.estimate, w.waitText(t.Estimate)), 1)
	}
	if t.ETicketURL != "" {
		module, err := qrModule(t.ETicketURL, l)
		if err != nil {
			return nil, err
		}
		e.Feed(1).QR(t.ETicketURL, module, l.QRErrorCorrection).Feed(1)
		paragraph(w.qr, 1)
	}
	if len(t.Footer) > 0 {
		e.Feed(1)
	}
	for _, f := range t.Footer {
		paragraph(f, 1)
	}
	if l.Cut == CutNone {
		e.Feed(5)
	} else {
		e.Feed(1).FeedCut(l.Cut, 0)
	}
	b, err := e.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode ticket %s: %w", t.Number, err)
	}
	return b, nil
}

// numberSize is the character multiplier for a number of n columns.
func numberSize(n, cols int) int {
	if n < 1 {
		n = 1
	}
	s := (cols - 2) / n
	return max(1, min(8, s))
}

// qrModule is l.QRModule, or less where the code would not fit the paper.
func qrModule(data string, l Layout) (int, error) {
	q, err := qrcode.New(data, qrLevel(l.QRErrorCorrection))
	if err != nil {
		return 0, fmt.Errorf("printer: QR code of %q: %w", data, err)
	}
	modules := 17 + 4*q.VersionNumber // a version's side, without the quiet zone
	fit := dotsWide(l.WidthMM) / modules
	if fit < 1 {
		return 0, fmt.Errorf("printer: QR code of %d bytes does not fit %d mm paper", len(data), l.WidthMM)
	}
	return min(l.QRModule, fit), nil
}

// qrLevel maps an ESC/POS error correction to go-qrcode's.
func qrLevel(ec QRErrorCorrection) qrcode.RecoveryLevel {
	switch ec {
	case QRErrorCorrectionL:
		return qrcode.Low
	case QRErrorCorrectionQ:
		return qrcode.High
	case QRErrorCorrectionH:
		return qrcode.Highest
	}
	return qrcode.Medium
}

// textWidth is how many columns s takes once transliterated for cp.
func textWidth(s string, cp CodePage) int {
	t, _, err := cp.Transliterate(s)
	if err != nil {
		return utf8.RuneCountInString(s)
	}
	return utf8.RuneCountInString(t)
}

// wrap breaks s into lines of at most cols columns (as printed in cp),
// breaking at spaces and cutting a word only when it is longer than a line.
// "\n" in s starts a new line; a no-break space joins words and is printed
// as a space.
func wrap(s string, cols int, cp CodePage) []string {
	if cols < 1 {
		cols = 1
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var line []string
		width := 0
		flush := func() {
			lines = append(lines, strings.ReplaceAll(strings.Join(line, " "), "\u00a0", " "))
			line, width = line[:0], 0
		}
		for _, word := range strings.FieldsFunc(para, breakable) {
			ww := textWidth(word, cp)
			// A word longer than a line is cut into pieces that fill lines.
			for ww > cols {
				if width > 0 {
					flush()
				}
				head, rest := splitColumns(word, cols, cp)
				lines = append(lines, strings.ReplaceAll(head, "\u00a0", " "))
				word, ww = rest, textWidth(rest, cp)
			}
			if ww == 0 {
				continue
			}
			switch {
			case width == 0:
				line, width = append(line, word), ww
			case width+1+ww <= cols:
				line, width = append(line, word), width+1+ww
			default:
				flush()
				line, width = append(line, word), ww
			}
		}
		if width > 0 || len(lines) == 0 || para == "" {
			flush()
		}
	}
	return lines
}

// splitColumns cuts word after the rune that fills cols columns.
func splitColumns(word string, cols int, cp CodePage) (head, rest string) {
	width := 0
	for i, r := range word {
		w := textWidth(string(r), cp)
		if width+w > cols && width > 0 {
			return word[:i], word[i:]
		}
		width += w
	}
	return word, ""
}

// breakable says where a line may break: at spaces, not at no-break ones.
func breakable(r rune) bool { return r == ' ' || r == '\t' || r == '\r' }
