// Package printer prints numerek's queue tickets on ESC/POS thermal
// printers: a small ESC/POS encoder of our own, the ticket layout for 58 mm
// and 80 mm paper, transports (a usblp device file, a serial port, raw TCP
// port 9100) and a virtual printer that renders the bytes to a PNG, for
// tests and for running without hardware.
//
// The commands follow Epson's "ESC/POS Command Reference for TM printers"
// (https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/index.html).
package printer

import (
	"context"
	"io"
	"time"

	"github.com/numerek/numerek/queue"
)

// Ticket is what a printed ticket says. It never holds a name, a phone
// number or any other personal data.
type Ticket struct {
	Header       []string       // lines above everything, e.g. "Urząd Miasta"
	LocationName string         // "Biuro Obsługi Mieszkańców – Centrum"
	ServiceName  string         // "Rejestracja pojazdów"
	Number       string         // "A012", printed very large
	Issued       time.Time      // in the location's time zone
	Ahead        int            // people waiting before this ticket
	Estimate     queue.Estimate // first estimate of the wait; zero prints none
	ETicketURL   string         // encoded in the QR code
	Footer       []string       // lines at the end
}

// Status is what a two-way printer says of itself (DLE EOT).
type Status struct {
	Online    bool
	PaperOut  bool
	PaperLow  bool
	CoverOpen bool
	Known     bool // false for one-way transports, which cannot ask
}

// Transport carries ESC/POS bytes to a printer.
type Transport interface {
	io.Writer
	// Status asks the printer how it is (DLE EOT). One-way transports
	// return a Status with Known false and no error.
	Status(ctx context.Context) (Status, error)
	Close() error
}
