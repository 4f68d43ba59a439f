package notify_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/notify/notifytest"
)

var sentAt = time.Date(2026, 12, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))

const ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//numerek//PL\r\nBEGIN:VEVENT\r\n" +
	"SUMMARY:Wizyta w urzędzie: sprawy meldunkowe\r\nDTSTART:20261203T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// fixedClock always reads the same time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func email(t *testing.T, s string) notify.Contact {
	t.Helper()
	c, err := notify.ParseEmail(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func smtpSender(srv *notifytest.SMTPServer) *notify.SMTP {
	return &notify.SMTP{Host: srv.Host, Port: srv.Port, Username: "bok", Password: "tajne",
		From: "Urząd Miasta <bok@um.example.pl>", TLS: srv.ClientTLS(), Timeout: 5 * time.Second,
		Clock: fixedClock(sentAt)}
}

func TestSMTPSendsWithAttachments(t *testing.T) {
	srv := notifytest.NewSMTPServer(t, notifytest.SMTPOptions{Username: "bok", Password: "tajne"})
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	subject := "Potwierdzenie wizyty: środa, 3 grudnia, godz. 10:00 — Wydział Spraw Obywatelskich, sala 12"
	text := "Dzień dobry,\n\npotwierdzamy wizytę. Numer: B007.\n.kropka na początku linii\n" +
		strings.Repeat("Bardzo długa linia tekstu z polskimi znakami ąęółśżźćń = ", 3) + "\nDo zobaczenia!\n"
	m := notify.Message{To: email(t, "Jan.Kowalski@Example.com"), Subject: subject, Text: text,
		Attachments: []notify.Attachment{
			{Name: "wizyta.ics", ContentType: "text/calendar; charset=utf-8; method=REQUEST", Data: []byte(ics)},
			{Name: "bajty-żółw.bin", Data: binary},
		}}
	if err := smtpSender(srv).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	mails := srv.Mails()
	if len(mails) != 1 {
		t.Fatalf("got %d mails, want 1", len(mails))
	}
	got := mails[0]
	if !got.TLS || got.User != "bok" {
		t.Errorf("got TLS %v user %q, want STARTTLS and user bok", got.TLS, got.User)
	}
	if got.From != "bok@um.example.pl" || len(got.To) != 1 || got.To[0] != "Jan.Kowalski@example.com" {
		t.Errorf("got MAIL FROM %q RCPT TO %q", got.From, got.To)
	}
	for i, c := range got.Raw {
		if c > 127 {
			t.Fatalf("byte %d of the message is %#x: not 7-bit", i, c)
		}
	}
	for _, line := range strings.Split(string(got.Raw), "\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d bytes", len(line))
		}
	}
	if got.Subject != subject {
		t.Errorf("got subject %q, want %q", got.Subject, subject)
	}
	from, err := got.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Urząd Miasta" || from[0].Address != "bok@um.example.pl" {
		t.Errorf("got From %v (%v), want Urząd Miasta <bok@um.example.pl>", from, err)
	}
	if to := got.Header.Get("To"); to != "<Jan.Kowalski@example.com>" {
		t.Errorf("got To %q", to)
	}
	if date, err := got.Header.Date(); err != nil || !date.Equal(sentAt) {
		t.Errorf("got Date %v (%v), want %v", date, err, sentAt)
	}
	if id := got.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@um.example.pl>") {
		t.Errorf("got Message-ID %q", id)
	}
	if v := got.Header.Get("MIME-Version"); v != "1.0" {
		t.Errorf("got MIME-Version %q", v)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed; boundary=") {
		t.Errorf("got Content-Type %q, want multipart/mixed", ct)
	}
	if got.Text != text {
		t.Errorf("got text %q, want %q", got.Text, text)
	}
	if len(got.Attachments) != 2 {
		t.Fatalf("got %d attachments, want 2", len(got.Attachments))
	}
	a := got.Attachments[0]
	if a.Name != "wizyta.ics" || !strings.HasPrefix(a.ContentType, "text/calendar") || string(a.Data) != ics {
		t.Errorf("got attachment %q (%s) %q, want wizyta.ics intact", a.Name, a.ContentType, a.Data)
	}
	if !strings.Contains(a.ContentType, "method=REQUEST") {
		t.Errorf("got Content-Type %q, want its method parameter kept", a.ContentType)
	}
	b := got.Attachments[1]
	if b.Name != "bajty-żółw.bin" || !strings.HasPrefix(b.ContentType, "application/octet-stream") || !bytes.Equal(b.Data, binary) {
		t.Errorf("got attachment %q (%s) of %d bytes, want bajty-żółw.bin, 256 bytes intact", b.Name, b.ContentType, len(b.Data))
	}
}

func TestSMTPPlainText(t *testing.T) {
	srv := notifytest.NewSMTPServer(t, notifytest.SMTPOptions{Username: "bok", Password: "tajne"})
	m := notify.Message{To: email(t, "jan@example.com"), Subject: "Kod rezerwacji", Text: "Twój kod: 482913.\nWażny 15 minut."}
	if err := smtpSender(srv).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Mails()[0]
	if ct := got.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("got Content-Type %q", ct)
	}
	if cte := got.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Errorf("got Content-Transfer-Encoding %q", cte)
	}
	if !strings.Contains(string(got.Raw), "Wa=C5=BCny") {
		t.Errorf("body %q is not quoted-printable", got.Raw)
	}
	// SMTP ends a message with a line break.
	if got.Subject != m.Subject || got.Text != m.Text+"\n" || len(got.Attachments) != 0 {
		t.Errorf("got %q %q %d attachments", got.Subject, got.Text, len(got.Attachments))
	}
}

func TestSMTPFailures(t *testing.T) {
	tests := []struct {
		name      string
		server    notifytest.SMTPOptions
		change    func(*notify.SMTP)
		failRcpt  int // RCPT answers this code
		temporary bool
		refused   bool
		says      string
	}{
		{"no STARTTLS offered", notifytest.SMTPOptions{Username: "bok", Password: "tajne", NoStartTLS: true}, nil, 0,
			false, false, "does not offer STARTTLS"},
		{"untrusted certificate", notifytest.SMTPOptions{}, func(s *notify.SMTP) { s.TLS = nil; s.Username = "" }, 0,
			false, false, "not trusted"},
		{"password in clear", notifytest.SMTPOptions{NoStartTLS: true}, func(s *notify.SMTP) { s.NoStartTLS = true }, 0,
			false, false, "without TLS"},
		{"wrong password", notifytest.SMTPOptions{Username: "bok", Password: "inne"}, nil, 0,
			false, false, "535"},
		{"mailbox busy", notifytest.SMTPOptions{Username: "bok", Password: "tajne"}, nil, 451,
			true, false, "451"},
		{"no such mailbox", notifytest.SMTPOptions{Username: "bok", Password: "tajne"}, nil, 550,
			false, true, "550"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := notifytest.NewSMTPServer(t, tt.server)
			if tt.failRcpt != 0 {
				srv.FailNext(1, tt.failRcpt, "5.1.1 <jan@example.com>: Recipient address rejected")
			}
			s := smtpSender(srv)
			if tt.change != nil {
				tt.change(s)
			}
			err := s.Send(context.Background(), notify.Message{To: email(t, "jan@example.com"), Subject: "Kod", Text: "Twój kod: 482913"})
			if err == nil {
				t.Fatal("got no error")
			}
			if got := notify.IsTemporary(err); got != tt.temporary {
				t.Errorf("IsTemporary(%v) = %v, want %v", err, got, tt.temporary)
			}
			if got := errors.Is(err, notify.ErrRecipientRefused); got != tt.refused {
				t.Errorf("errors.Is(%v, ErrRecipientRefused) = %v, want %v", err, got, tt.refused)
			}
			if !strings.HasPrefix(err.Error(), "smtp: ") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say smtp and %q", err, tt.says)
			}
			checkNoPersonalData(t, err, "jan@example.com", "482913", "tajne")
			if n := len(srv.Mails()); n != 0 {
				t.Errorf("the server got %d mails, want none", n)
			}
		})
	}
}

func TestSMTPWithoutTLSWhenAllowed(t *testing.T) {
	srv := notifytest.NewSMTPServer(t, notifytest.SMTPOptions{NoStartTLS: true})
	s := smtpSender(srv)
	s.NoStartTLS, s.Username, s.Password = true, "", ""
	if err := s.Send(context.Background(), notify.Message{To: email(t, "jan@example.com"), Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if m := srv.Mails(); len(m) != 1 || m[0].TLS {
		t.Errorf("got %d mails, want one, in clear", len(m))
	}
}

func TestSMTPTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts and never greets
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s := &notify.SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "bok@um.example.pl",
		Timeout: 50 * time.Millisecond}
	err = s.Send(context.Background(), notify.Message{To: email(t, "jan@example.com"), Text: "x"})
	if err == nil || !notify.IsTemporary(err) {
		t.Errorf("got %v, want a temporary error", err)
	}
}
