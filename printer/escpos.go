package printer

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Command bytes of the ESC/POS subset numerek uses.
const (
	esc = 0x1B
	gs  = 0x1D
	dle = 0x10
	eot = 0x04
	lf  = 0x0A
	cr  = 0x0D
)

// CodePage is a character table the printer selects with ESC t n. Name says
// which table it is ("pc852" or "wpc1250"); Number is the n of ESC t, which
// printer makers number differently, so it comes from the config.
type CodePage struct {
	Name   string
	Number byte
}

// The code pages with Polish letters, numbered as Epson's TM printers number
// them (ESC t 18 and ESC t 45). Other makers' printers may want other numbers.
var (
	PC852   = CodePage{Name: "pc852", Number: 18}
	WPC1250 = CodePage{Name: "wpc1250", Number: 45}
)

// DefaultCodePages are the code pages a decoder knows when it is given none.
var DefaultCodePages = []CodePage{PC852, WPC1250}

// CodePageByName returns the code page called name ("pc852" or "wpc1250")
// with Epson's number for it.
func CodePageByName(name string) (CodePage, error) {
	switch strings.ToLower(name) {
	case PC852.Name:
		return PC852, nil
	case WPC1250.Name:
		return WPC1250, nil
	}
	return CodePage{}, fmt.Errorf("printer: code page %q: want %q or %q", name, PC852.Name, WPC1250.Name)
}

func (cp CodePage) String() string {
	if cp.Name == "" {
		return "none"
	}
	return fmt.Sprintf("%s (ESC t %d)", cp.Name, cp.Number)
}

// table returns the character table of cp; a code page with no name is the
// printer's power-on table, of which numerek uses only ASCII.
func (cp CodePage) table() (*charmap.Charmap, error) {
	switch cp.Name {
	case PC852.Name:
		return charmap.CodePage852, nil
	case WPC1250.Name:
		return charmap.Windows1250, nil
	case "":
		return nil, nil
	}
	return nil, fmt.Errorf("printer: code page %q: want %q or %q", cp.Name, PC852.Name, WPC1250.Name)
}

// transliterations replace characters that a code page may lack. They are
// used only for characters the selected code page cannot print.
var transliterations = map[rune]string{
	'„': `"`, '”': `"`, '“': `"`, '‟': `"`, '″': `"`, '«': `"`, '»': `"`,
	'‚': "'", '‘': "'", '’': "'", '‛': "'", '′': "'", '‹': "'", '›': "'",
	'–': "-", '—': "-", '‒': "-", '―': "-", '−': "-", '‐': "-", '‑': "-",
	'…': "...", '€': "EUR", '•': "*", '·': ".", '×': "x", '№': "Nr",
	'\u00a0': " ", '\u2007': " ", '\u202f': " ", '\u2009': " ", '\u2002': " ", '\u2003': " ",
	'\t': " ", 'ß': "ss", 'Æ': "AE", 'æ': "ae", 'Œ': "OE", 'œ': "oe", 'Ø': "O", 'ø': "o",
	'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", '™': "TM", '©': "(c)", '®': "(R)",
	'\u200b': "", '\u200c': "", '\u200d': "", '\ufeff': "", '\u00ad': "",
}

// Transliterate rewrites s with only characters cp can print: a character
// the code page has stays; one it lacks becomes its nearest ASCII ("„" to
// `"`, "–" to "-", "…" to "...", "€" to "EUR", "é" to "e"), and anything
// else becomes "?". Control characters other than "\n" count as lacking.
// It returns how many characters were replaced; none is ever dropped
// without being counted.
func (cp CodePage) Transliterate(s string) (string, int, error) {
	table, err := cp.table()
	if err != nil {
		return "", 0, err
	}
	var b strings.Builder
	b.Grow(len(s))
	replaced := 0
	for _, r := range s {
		if printable(table, r) {
			b.WriteRune(r)
			continue
		}
		replaced++
		b.WriteString(substitute(table, r))
	}
	return b.String(), replaced, nil
}

// printable says whether a character is in table (nil: ASCII only).
func printable(table *charmap.Charmap, r rune) bool {
	if r == '\n' {
		return true
	}
	if r < 0x20 || r == 0x7F {
		return false
	}
	if r < 0x7F {
		return true
	}
	if table == nil || r == unicode.ReplacementChar {
		return false
	}
	b, ok := table.EncodeRune(r)
	return ok && b >= 0x80
}

// substitute is what a character the table lacks is printed as.
func substitute(table *charmap.Charmap, r rune) string {
	if s, ok := transliterations[r]; ok {
		return s
	}
	// A Latin letter with a diacritic the table lacks: the letter without
	// it, or with as many of its marks as the table has.
	if d := norm.NFD.String(string(r)); d != string(r) {
		base := []rune(d)[0]
		if printable(table, base) && base != '\n' {
			if c := []rune(norm.NFC.String(d)); len(c) == 1 && printable(table, c[0]) {
				return string(c)
			}
			return string(base)
		}
	}
	if k := norm.NFKC.String(string(r)); k != string(r) {
		ok := true
		for _, c := range k {
			ok = ok && printable(table, c) && c != '\n'
		}
		if ok && k != "" {
			return k
		}
	}
	return "?"
}

// encodeText turns printable text (the result of Transliterate) into the
// code page's bytes.
func encodeText(table *charmap.Charmap, s string, dst *bytes.Buffer) {
	for _, r := range s {
		switch {
		case r == '\n':
			dst.WriteByte(lf)
		case r < 0x80:
			dst.WriteByte(byte(r))
		default:
			b, _ := table.EncodeRune(r)
			dst.WriteByte(b)
		}
	}
}

// Align is the horizontal alignment of ESC a.
type Align byte

// The alignments of ESC a n.
const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

func (a Align) String() string {
	switch a {
	case AlignLeft:
		return "left"
	case AlignCenter:
		return "center"
	case AlignRight:
		return "right"
	}
	return fmt.Sprintf("align(%d)", byte(a))
}

// QRErrorCorrection is the error correction level of a QR code, as the n of
// GS ( k function 69: 48 (L, 7%), 49 (M, 15%), 50 (Q, 25%), 51 (H, 30%).
type QRErrorCorrection byte

// The QR code error correction levels.
const (
	QRErrorCorrectionL QRErrorCorrection = 48
	QRErrorCorrectionM QRErrorCorrection = 49
	QRErrorCorrectionQ QRErrorCorrection = 50
	QRErrorCorrectionH QRErrorCorrection = 51
)

// ParseQRErrorCorrection reads a level written as "L", "M", "Q" or "H".
func ParseQRErrorCorrection(s string) (QRErrorCorrection, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "L":
		return QRErrorCorrectionL, nil
	case "M":
		return QRErrorCorrectionM, nil
	case "Q":
		return QRErrorCorrectionQ, nil
	case "H":
		return QRErrorCorrectionH, nil
	}
	return 0, fmt.Errorf("printer: QR error correction %q: want L, M, Q or H", s)
}

// UnmarshalText lets a config file say "M".
func (q *QRErrorCorrection) UnmarshalText(text []byte) error {
	v, err := ParseQRErrorCorrection(string(text))
	if err != nil {
		return err
	}
	*q = v
	return nil
}

// MarshalText writes the level as "L", "M", "Q" or "H".
func (q QRErrorCorrection) MarshalText() ([]byte, error) {
	if !q.valid() {
		return nil, fmt.Errorf("printer: QR error correction %d: want 48..51", byte(q))
	}
	return []byte(q.String()), nil
}

func (q QRErrorCorrection) valid() bool { return q >= QRErrorCorrectionL && q <= QRErrorCorrectionH }

func (q QRErrorCorrection) String() string {
	if !q.valid() {
		return fmt.Sprintf("QRErrorCorrection(%d)", byte(q))
	}
	return string("LMQH"[q-QRErrorCorrectionL])
}

// CutMode says how a ticket leaves the printer.
type CutMode string

// The cut modes. With CutNone the paper is fed so the ticket can be torn off.
const (
	CutPartial CutMode = "partial"
	CutFull    CutMode = "full"
	CutNone    CutMode = "none"
)

// qrMaxData is the most GS ( k function 80 stores for a model 2 symbol.
const qrMaxData = 7089

// Encoder builds ESC/POS bytes. Each method appends one command; the first
// mistake (a size out of range, an unknown code page) is kept and returned
// by Bytes, and later calls do nothing. The zero Encoder is ready to use and
// prints text as ASCII until CodePage selects a table.
type Encoder struct {
	buf      bytes.Buffer
	cp       CodePage
	table    *charmap.Charmap
	replaced int
	err      error
}

// NewEncoder returns an empty Encoder.
func NewEncoder() *Encoder { return &Encoder{} }

func (e *Encoder) fail(format string, args ...any) *Encoder {
	if e.err == nil {
		e.err = fmt.Errorf("printer: "+format, args...)
	}
	return e
}

func (e *Encoder) cmd(b ...byte) *Encoder {
	if e.err == nil {
		e.buf.Write(b)
	}
	return e
}

// Init resets the printer (ESC @): styles off, alignment left, the power-on
// code page. Text after it is ASCII until CodePage.
func (e *Encoder) Init() *Encoder {
	if e.err != nil {
		return e
	}
	e.cp, e.table = CodePage{}, nil
	return e.cmd(esc, '@')
}

// CodePage selects the character table for the text that follows (ESC t n).
func (e *Encoder) CodePage(cp CodePage) *Encoder {
	if e.err != nil {
		return e
	}
	table, err := cp.table()
	if err != nil || cp.Name == "" {
		return e.fail("code page %q: want %q or %q", cp.Name, PC852.Name, WPC1250.Name)
	}
	e.cp, e.table = cp, table
	return e.cmd(esc, 't', cp.Number)
}

// Align sets the alignment of the lines that follow (ESC a n). The printer
// honours it only at the start of a line.
func (e *Encoder) Align(a Align) *Encoder {
	if a > AlignRight {
		return e.fail("alignment %d: want 0, 1 or 2", byte(a))
	}
	return e.cmd(esc, 'a', byte(a))
}

// Bold turns emphasis on or off (ESC E n).
func (e *Encoder) Bold(on bool) *Encoder {
	n := byte(0)
	if on {
		n = 1
	}
	return e.cmd(esc, 'E', n)
}

// Size sets the character size as width and height multipliers of 1 to 8
// (GS ! n); Size(1, 1) is the normal size.
func (e *Encoder) Size(width, height int) *Encoder {
	if width < 1 || width > 8 || height < 1 || height > 8 {
		return e.fail("character size %dx%d: want 1..8 by 1..8", width, height)
	}
	return e.cmd(gs, '!', byte(width-1)<<4|byte(height-1))
}

// Feed prints what is in the line buffer and feeds n lines (ESC d n).
func (e *Encoder) Feed(lines int) *Encoder {
	if lines < 0 || lines > 255 {
		return e.fail("feed %d lines: want 0..255", lines)
	}
	return e.cmd(esc, 'd', byte(lines))
}

// LineSpacing sets the line spacing to dots/203 inch on a 203 dpi printer
// (ESC 3 n); a negative value restores the default (ESC 2).
func (e *Encoder) LineSpacing(dots int) *Encoder {
	if dots < 0 {
		return e.cmd(esc, '2')
	}
	if dots > 255 {
		return e.fail("line spacing %d dots: want 0..255", dots)
	}
	return e.cmd(esc, '3', byte(dots))
}

// Text appends s in the selected code page; "\n" ends a line (LF).
// Characters the code page lacks are transliterated (see
// CodePage.Transliterate) and counted in Replaced.
func (e *Encoder) Text(s string) *Encoder {
	if e.err != nil {
		return e
	}
	t, n, err := e.cp.Transliterate(s)
	if err != nil {
		e.err = err
		return e
	}
	e.replaced += n
	encodeText(e.table, t, &e.buf)
	return e
}

// Line appends s and ends the line.
func (e *Encoder) Line(s string) *Encoder { return e.Text(s).cmd(lf) }

// QR appends a QR code (model 2) of data with the printer's own GS ( k
// commands: the model (function 65), the module size in dots, 1 to 16
// (function 67), the error correction (function 69), the data (function
// 80) and the print command (function 81).
func (e *Encoder) QR(data string, module int, ec QRErrorCorrection) *Encoder {
	switch {
	case e.err != nil:
		return e
	case data == "":
		return e.fail("QR code with no data")
	case len(data) > qrMaxData:
		return e.fail("QR code data of %d bytes: want at most %d", len(data), qrMaxData)
	case module < 1 || module > 16:
		return e.fail("QR module size %d: want 1..16", module)
	case !ec.valid():
		return e.fail("QR error correction %d: want 48..51 (L, M, Q, H)", byte(ec))
	}
	e.cmd(gs, '(', 'k', 4, 0, '1', 'A', '2', 0)       // model 2
	e.cmd(gs, '(', 'k', 3, 0, '1', 'C', byte(module)) // module size
	e.cmd(gs, '(', 'k', 3, 0, '1', 'E', byte(ec))     // error correction
	n := len(data) + 3
	e.cmd(gs, '(', 'k', byte(n), byte(n>>8), '1', 'P', '0')
	e.buf.WriteString(data)
	return e.cmd(gs, '(', 'k', 3, 0, '1', 'Q', '0') // print
}

// Cut cuts the paper where it is (GS V 0 full, GS V 1 partial); CutNone
// appends nothing.
func (e *Encoder) Cut(mode CutMode) *Encoder {
	switch mode {
	case CutFull:
		return e.cmd(gs, 'V', 0)
	case CutPartial:
		return e.cmd(gs, 'V', 1)
	case CutNone:
		return e
	}
	return e.fail("cut mode %q: want partial, full or none", mode)
}

// FeedCut feeds the paper to the cutter plus n motion units and cuts it
// (GS V 65 n full, GS V 66 n partial), so the last line is not cut
// through; CutNone appends nothing.
func (e *Encoder) FeedCut(mode CutMode, n byte) *Encoder {
	switch mode {
	case CutFull:
		return e.cmd(gs, 'V', 'A', n)
	case CutPartial:
		return e.cmd(gs, 'V', 'B', n)
	case CutNone:
		return e
	}
	return e.fail("cut mode %q: want partial, full or none", mode)
}

// Replaced is how many characters Text has transliterated so far.
func (e *Encoder) Replaced() int { return e.replaced }

// Err is the first mistake, if any.
func (e *Encoder) Err() error { return e.err }

// Bytes returns the commands so far, or the first mistake.
func (e *Encoder) Bytes() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// Reset empties the Encoder for reuse.
func (e *Encoder) Reset() {
	e.buf.Reset()
	e.cp, e.table, e.replaced, e.err = CodePage{}, nil, 0, nil
}
