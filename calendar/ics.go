package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one booked visit as a calendar entry.
type Event struct {
	UID         string    // unique and stable for the visit, e.g. "<booking id>@<host>"
	Start, End  time.Time // any location; written in UTC
	Summary     string    // the title: "Wizyta: Rejestracja pojazdów, numer R001"; also the reminder's text
	Location    string    // optional: the office and its address
	Description string    // optional; may have several lines
	URL         string    // optional: the booking's page, to check or cancel it
	Created     time.Time // when the visit was booked: the file's DTSTAMP
}

// Validate checks that e can be written as a calendar entry. Its errors
// name the field.
func (e Event) Validate() error {
	switch {
	case e.UID == "":
		return errors.New("event: uid is empty")
	case e.Summary == "":
		return fmt.Errorf("event %q: summary is empty", e.UID)
	case e.Start.IsZero():
		return fmt.Errorf("event %q: start is not set", e.UID)
	case !e.End.After(e.Start):
		return fmt.Errorf("event %q: end %s is not after start %s", e.UID, e.End.Format(time.RFC3339), e.Start.Format(time.RFC3339))
	case e.Created.IsZero():
		return fmt.Errorf("event %q: created is not set", e.UID)
	}
	if e.URL != "" {
		if _, err := url.Parse(e.URL); err != nil {
			return fmt.Errorf("event %q: url: %w", e.UID, err)
		}
		if !utf8.ValidString(e.URL) {
			return fmt.Errorf("event %q: url: not valid UTF-8", e.UID)
		}
	}
	return nil
}

// icsTime is the UTC form of RFC 5545's DATE-TIME: 20261201T093000Z.
const icsTime = "20060102T150405Z"

// ICS writes e as an iCalendar file (RFC 5545) with one event and a
// reminder an hour before it, for a person to add to their calendar. It
// returns Validate's error for an event that cannot be written. Lines end
// in CRLF and are folded at 75 octets; empty optional fields are left out.
func (e Event) ICS() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("write ics: %w", err)
	}
	var b bytes.Buffer
	line := func(name, value string) {
		if value != "" {
			writeFolded(&b, name+":"+value)
		}
	}
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//numerek//booking//PL")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("BEGIN", "VEVENT")
	line("UID", escapeText(e.UID))
	line("DTSTAMP", e.Created.UTC().Format(icsTime))
	line("DTSTART", e.Start.UTC().Format(icsTime))
	line("DTEND", e.End.UTC().Format(icsTime))
	line("SUMMARY", escapeText(e.Summary))
	line("LOCATION", escapeText(e.Location))
	line("DESCRIPTION", escapeText(e.Description))
	line("URL", e.URL) // a URI, not TEXT: it is not escaped
	line("BEGIN", "VALARM")
	line("ACTION", "DISPLAY")
	line("TRIGGER", "-PT1H")
	line("DESCRIPTION", escapeText(e.Summary))
	line("END", "VALARM")
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return b.Bytes(), nil
}

// escapeText writes s as an RFC 5545 TEXT value (section 3.3.11):
// backslash, semicolon and comma escaped, and every line break (CRLF, CR
// or LF) as \n. Other control characters have no place in a calendar and
// are dropped, and invalid UTF-8 becomes U+FFFD.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t' || (r >= 0x20 && r != 0x7f):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxLine is the longest a line may be, in octets without its CRLF
// (RFC 5545 section 3.1).
const maxLine = 75

// writeFolded writes a content line to b, folded so that no line is longer
// than maxLine octets: each continuation line starts with one space, which
// counts, and no UTF-8 character is split between lines.
func writeFolded(b *bytes.Buffer, s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8 after all: cut anywhere rather than loop
			cut = limit
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
