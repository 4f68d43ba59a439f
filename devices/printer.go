package devices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/numerek/numerek/printer"
)

// ErrLayout marks a ticket that cannot be laid out: printing it again will
// not help.
var ErrLayout = errors.New("ticket layout")

// ESCPOS prints tickets as ESC/POS bytes on a printer.Transport that it
// opens when first needed and opens again after a failure: a printer
// switched on after the dispenser, or unplugged and plugged back in (its
// old device file is dead), works again without a restart.
type ESCPOS struct {
	open   func() (printer.Transport, error)
	layout printer.Layout
	log    *slog.Logger

	mu sync.Mutex
	t  printer.Transport // nil until opened, and after a failure
}

// NewESCPOS returns a printer that lays tickets out with layout and writes
// them to the transport open returns.
func NewESCPOS(open func() (printer.Transport, error), layout printer.Layout, log *slog.Logger) (*ESCPOS, error) {
	if err := layout.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &ESCPOS{open: open, layout: layout, log: log.With("component", "printer")}, nil
}

// transport returns the open transport, opening it if need be; p.mu is held.
func (p *ESCPOS) transport() (printer.Transport, error) {
	if p.t != nil {
		return p.t, nil
	}
	t, err := p.open()
	if err != nil {
		return nil, err
	}
	p.t = t
	return t, nil
}

// drop closes the transport after a failure, so the next use opens it
// again; p.mu is held.
func (p *ESCPOS) drop() {
	if p.t != nil {
		_ = p.t.Close()
		p.t = nil
	}
}

// Print lays t out and writes it to the transport, whose own timeout
// bounds the write. A layout error wraps ErrLayout.
func (p *ESCPOS) Print(ctx context.Context, t printer.Ticket) error {
	b, err := printer.Encode(t, p.layout)
	if err != nil {
		return fmt.Errorf("print %s: %w: %w", t.Number, ErrLayout, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("print %s: %w", t.Number, err)
	}
	tr, err := p.transport()
	if err != nil {
		return fmt.Errorf("print %s: %w", t.Number, err)
	}
	if _, err := tr.Write(b); err != nil {
		p.drop()
		return fmt.Errorf("print %s: %w", t.Number, err)
	}
	if v, ok := tr.(interface{ LastPath() string }); ok {
		p.log.Info("ticket saved", "number", t.Number, "png", v.LastPath())
	}
	return nil
}

// Status asks the transport.
func (p *ESCPOS) Status(ctx context.Context) (printer.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tr, err := p.transport()
	if err != nil {
		return printer.Status{}, err
	}
	st, err := tr.Status(ctx)
	if err != nil {
		p.drop()
	}
	return st, err
}

// LastImage is the path of the last ticket's PNG where the transport is the
// virtual printer, else "".
func (p *ESCPOS) LastImage() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.t.(interface{ LastPath() string }); ok {
		return v.LastPath()
	}
	return ""
}

// Close closes the transport.
func (p *ESCPOS) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.t == nil {
		return nil
	}
	err := p.t.Close()
	p.t = nil
	return err
}

// SimulatePaperOut makes a virtual printer behave as out of paper (or not)
// and reports whether the transport could: real printers cannot.
func (p *ESCPOS) SimulatePaperOut(out bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	tr, err := p.transport()
	if err != nil {
		return false
	}
	v, ok := tr.(interface{ SetPaperOut(bool) })
	if ok {
		v.SetPaperOut(out)
	}
	return ok
}
