package printer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// OpKind is what an Op does.
type OpKind int

// The operations of numerek's ESC/POS subset.
const (
	OpInit        OpKind = iota // ESC @
	OpCodePage                  // ESC t n
	OpAlign                     // ESC a n
	OpBold                      // ESC E n
	OpSize                      // GS ! n
	OpLineSpacing               // ESC 2, ESC 3 n
	OpText                      // printable characters
	OpNewline                   // LF
	OpFeed                      // ESC d n
	OpQR                        // GS ( k function 81, with what functions 65 to 80 set
	OpCut                       // GS V
)

var opNames = [...]string{"init", "codepage", "align", "bold", "size", "spacing", "text", "newline", "feed", "qr", "cut"}

func (k OpKind) String() string {
	if k >= 0 && int(k) < len(opNames) {
		return opNames[k]
	}
	return "op(" + strconv.Itoa(int(k)) + ")"
}

// Style is how text prints.
type Style struct {
	Align  Align
	Bold   bool
	Width  int // character width multiplier, 1..8
	Height int // character height multiplier, 1..8
}

// QRCode is a QR code the printer was told to print.
type QRCode struct {
	Data            string
	Module          int // module size in dots
	ErrorCorrection QRErrorCorrection
}

// Op is one decoded operation.
type Op struct {
	Kind     OpKind
	Offset   int      // where its command starts in the input (OpQR: the print function)
	Style    Style    // the style in effect after it (for OpText, the text's style)
	Text     string   // OpText: the characters, decoded from the code page
	N        int      // OpFeed: lines; OpLineSpacing: dots, -1 for the default; OpCut: feed units
	CodePage CodePage // OpCodePage: the table selected
	QR       QRCode   // OpQR
	Cut      CutMode  // OpCut: CutFull or CutPartial
	Feed     bool     // OpCut: whether the printer feeds to the cutter first (GS V 65/66)
}

// String is the Op as one line of a readable dump.
func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%04d %s", o.Offset, o.Kind)
	switch o.Kind {
	case OpCodePage:
		fmt.Fprintf(&b, " %s", o.CodePage)
	case OpAlign:
		fmt.Fprintf(&b, " %s", o.Style.Align)
	case OpBold:
		fmt.Fprintf(&b, " %t", o.Style.Bold)
	case OpSize:
		fmt.Fprintf(&b, " %dx%d", o.Style.Width, o.Style.Height)
	case OpLineSpacing:
		if o.N < 0 {
			b.WriteString(" default")
		} else {
			fmt.Fprintf(&b, " %d", o.N)
		}
	case OpText:
		fmt.Fprintf(&b, " %s", o.Style.Align)
		if o.Style.Bold {
			b.WriteString(" bold")
		}
		if o.Style.Width != 1 || o.Style.Height != 1 {
			fmt.Fprintf(&b, " %dx%d", o.Style.Width, o.Style.Height)
		}
		fmt.Fprintf(&b, " %q", o.Text)
	case OpFeed:
		fmt.Fprintf(&b, " %d", o.N)
	case OpQR:
		fmt.Fprintf(&b, " %s module %d ec %s %q", o.Style.Align, o.QR.Module, o.QR.ErrorCorrection, o.QR.Data)
	case OpCut:
		fmt.Fprintf(&b, " %s", o.Cut)
		if o.Feed {
			fmt.Fprintf(&b, " after feed +%d", o.N)
		}
	}
	return b.String()
}

// Dump is ops one per line, for reading and for golden files.
func Dump(ops []Op) string {
	var b strings.Builder
	for _, o := range ops {
		b.WriteString(o.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// errTruncated: the input ends inside a command.
var errTruncated = errors.New("input ends inside a command")

// Decode parses ESC/POS bytes of numerek's subset into operations, decoding
// text with the code page selected by ESC t; pages says which table each
// ESC t number selects (DefaultCodePages when none is given; the first
// with a number wins). Text before any ESC t is read as PC437, the
// power-on table. An unknown command is an error naming its byte offset.
func Decode(b []byte, pages ...CodePage) ([]Op, error) {
	d := newDecoder(b, pages)
	var ops []Op
	for {
		op, ok, err := d.next()
		if err != nil {
			return ops, err
		}
		if !ok {
			return ops, nil
		}
		ops = append(ops, op)
	}
}

// decoder reads ops from b one at a time.
type decoder struct {
	b     []byte
	pos   int
	pages []CodePage
	style Style
	table *charmap.Charmap
	qr    QRCode
	text  strings.Builder
}

func newDecoder(b []byte, pages []CodePage) *decoder {
	if len(pages) == 0 {
		pages = DefaultCodePages
	}
	d := &decoder{b: b, pages: pages}
	d.reset()
	return d
}

// reset is the printer's state after ESC @ or power-on.
func (d *decoder) reset() {
	d.style = Style{Align: AlignLeft, Width: 1, Height: 1}
	d.table = charmap.CodePage437
	d.qr = QRCode{Module: 3, ErrorCorrection: QRErrorCorrectionL}
}

func (d *decoder) errorf(at int, format string, args ...any) error {
	return fmt.Errorf("printer: decode: at offset %d: %s", at, fmt.Sprintf(format, args...))
}

// need makes sure n more bytes are there from the command at start.
func (d *decoder) need(start, n int) error {
	if d.pos+n > len(d.b) {
		return fmt.Errorf("printer: decode: at offset %d: %w", start, errTruncated)
	}
	return nil
}

// next returns the next op; ok is false at the end of the input.
func (d *decoder) next() (op Op, ok bool, err error) {
	if d.pos >= len(d.b) {
		return Op{}, false, nil
	}
	start := d.pos
	c := d.b[d.pos]
	if c >= 0x20 && c != 0x7F {
		return d.textRun(), true, nil
	}
	d.pos++
	switch c {
	case lf:
		return Op{Kind: OpNewline, Offset: start, Style: d.style}, true, nil
	case cr:
		// Ignored, as on printers with auto line feed off.
		return d.next()
	case esc:
		return d.escCommand(start)
	case gs:
		return d.gsCommand(start)
	}
	return Op{}, false, d.errorf(start, "unknown control byte 0x%02X", c)
}

// textRun reads printable bytes up to the next control byte.
func (d *decoder) textRun() Op {
	start := d.pos
	d.text.Reset()
	for d.pos < len(d.b) {
		c := d.b[d.pos]
		if c < 0x20 || c == 0x7F {
			break
		}
		d.text.WriteRune(d.table.DecodeByte(c))
		d.pos++
	}
	return Op{Kind: OpText, Offset: start, Style: d.style, Text: d.text.String()}
}

func (d *decoder) escCommand(start int) (Op, bool, error) {
	if err := d.need(start, 1); err != nil {
		return Op{}, false, err
	}
	c := d.b[d.pos]
	d.pos++
	// arg reads the command's one parameter byte.
	arg := func() (byte, error) {
		if err := d.need(start, 1); err != nil {
			return 0, err
		}
		d.pos++
		return d.b[d.pos-1], nil
	}
	op := Op{Offset: start}
	switch c {
	case '@':
		d.reset()
		op.Kind = OpInit
	case 't':
		n, err := arg()
		if err != nil {
			return Op{}, false, err
		}
		cp, found := CodePage{}, false
		for _, p := range d.pages {
			if p.Number == n {
				cp, found = p, true
				break
			}
		}
		if !found {
			return Op{}, false, d.errorf(start, "ESC t %d selects a code page this decoder does not know", n)
		}
		table, err := cp.table()
		if err != nil || table == nil {
			return Op{}, false, d.errorf(start, "ESC t %d: code page %q is not supported", n, cp.Name)
		}
		d.table = table
		op.Kind, op.CodePage = OpCodePage, cp
	case 'a':
		n, err := arg()
		if err != nil {
			return Op{}, false, err
		}
		switch n {
		case 0, '0':
			d.style.Align = AlignLeft
		case 1, '1':
			d.style.Align = AlignCenter
		case 2, '2':
			d.style.Align = AlignRight
		default:
			return Op{}, false, d.errorf(start, "ESC a %d: want 0, 1 or 2", n)
		}
		op.Kind = OpAlign
	case 'E':
		n, err := arg()
		if err != nil {
			return Op{}, false, err
		}
		d.style.Bold = n&1 == 1
		op.Kind = OpBold
	case 'd':
		n, err := arg()
		if err != nil {
			return Op{}, false, err
		}
		op.Kind, op.N = OpFeed, int(n)
	case '2':
		op.Kind, op.N = OpLineSpacing, -1
	case '3':
		n, err := arg()
		if err != nil {
			return Op{}, false, err
		}
		op.Kind, op.N = OpLineSpacing, int(n)
	default:
		return Op{}, false, d.errorf(start, "unknown command ESC 0x%02X", c)
	}
	op.Style = d.style
	return op, true, nil
}

func (d *decoder) gsCommand(start int) (Op, bool, error) {
	if err := d.need(start, 1); err != nil {
		return Op{}, false, err
	}
	c := d.b[d.pos]
	d.pos++
	op := Op{Offset: start}
	switch c {
	case '!':
		if err := d.need(start, 1); err != nil {
			return Op{}, false, err
		}
		n := d.b[d.pos]
		d.pos++
		d.style.Width, d.style.Height = int(n>>4&7)+1, int(n&7)+1
		if n&0x88 != 0 {
			return Op{}, false, d.errorf(start, "GS ! 0x%02X: size out of range", n)
		}
		op.Kind = OpSize
	case 'V':
		if err := d.need(start, 1); err != nil {
			return Op{}, false, err
		}
		m := d.b[d.pos]
		d.pos++
		op.Kind = OpCut
		switch m {
		case 0, '0':
			op.Cut = CutFull
		case 1, '1':
			op.Cut = CutPartial
		case 'A', 'B':
			if err := d.need(start, 1); err != nil {
				return Op{}, false, err
			}
			op.N = int(d.b[d.pos])
			d.pos++
			op.Cut, op.Feed = CutFull, true
			if m == 'B' {
				op.Cut = CutPartial
			}
		default:
			return Op{}, false, d.errorf(start, "GS V %d: unknown cut", m)
		}
	case '(':
		return d.qrCommand(start)
	default:
		return Op{}, false, d.errorf(start, "unknown command GS 0x%02X", c)
	}
	op.Style = d.style
	return op, true, nil
}

// qrCommand reads GS ( k pL pH cn fn [params]: a QR code function.
func (d *decoder) qrCommand(start int) (Op, bool, error) {
	if err := d.need(start, 3); err != nil {
		return Op{}, false, err
	}
	if d.b[d.pos] != 'k' {
		return Op{}, false, d.errorf(start, "unknown command GS ( 0x%02X", d.b[d.pos])
	}
	n := int(d.b[d.pos+1]) | int(d.b[d.pos+2])<<8
	d.pos += 3
	if n < 2 {
		return Op{}, false, d.errorf(start, "GS ( k with %d parameter bytes: want at least 2", n)
	}
	if err := d.need(start, n); err != nil {
		return Op{}, false, err
	}
	p := d.b[d.pos : d.pos+n]
	d.pos += n
	cn, fn, args := p[0], p[1], p[2:]
	if cn != '1' {
		return Op{}, false, d.errorf(start, "GS ( k symbol type %d: only QR codes (49) are supported", cn)
	}
	bad := func() (Op, bool, error) {
		return Op{}, false, d.errorf(start, "GS ( k QR function %d with parameters % X", fn, args)
	}
	switch fn {
	case 'A': // model
		if len(args) != 2 || args[0] != '2' {
			return bad()
		}
	case 'C': // module size
		if len(args) != 1 || args[0] < 1 || args[0] > 16 {
			return bad()
		}
		d.qr.Module = int(args[0])
	case 'E': // error correction
		if len(args) != 1 || !QRErrorCorrection(args[0]).valid() {
			return bad()
		}
		d.qr.ErrorCorrection = QRErrorCorrection(args[0])
	case 'P': // store data
		if len(args) < 1 || args[0] != '0' {
			return bad()
		}
		d.qr.Data = string(args[1:])
	case 'Q': // print
		if len(args) != 1 || args[0] != '0' {
			return bad()
		}
		if d.qr.Data == "" {
			return Op{}, false, d.errorf(start, "GS ( k print with no QR data stored")
		}
		return Op{Kind: OpQR, Offset: start, Style: d.style, QR: d.qr}, true, nil
	default:
		return bad()
	}
	// A setting, not an op of its own: read on.
	return d.next()
}
