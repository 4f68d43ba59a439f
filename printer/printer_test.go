package printer_test

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/numerek/numerek/goldentest"
	"github.com/numerek/numerek/printer"
	"github.com/numerek/numerek/queue"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// warsaw is Europe/Warsaw in November, fixed so tests need no tzdata.
var warsaw = time.FixedZone("CET", 3600)

func sampleTicket() printer.Ticket {
	return printer.Ticket{
		Header:       []string{"Urząd Miasta Przykładowo"},
		LocationName: "Biuro Obsługi Mieszkańców – Centrum",
		ServiceName:  "Rejestracja pojazdów",
		Number:       "A012",
		Issued:       time.Date(2026, 11, 24, 9, 0, 0, 0, warsaw),
		Ahead:        3,
		Estimate:     queue.Estimate{Low: 10 * time.Minute, Expected: 15 * time.Minute, High: 20 * time.Minute},
		ETicketURL:   "https://kolejka.example.pl/e/3q2vxk7mfp4hzr6tb5wq9nd8ya",
		Footer:       []string{"Godziny pracy: pn.–pt. 8:00–16:00", "„Dziękujemy za wizytę”"},
	}
}

func layout(widthMM int, cp printer.CodePage) printer.Layout {
	l := printer.DefaultLayout()
	l.WidthMM, l.CodePage = widthMM, cp
	return l
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldentest.Bytes(t, filepath.Join("testdata", name), got, *update)
}
