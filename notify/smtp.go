package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"path"
	"strconv"
	"strings"
	"time"
)

// SMTP sends e-mail through an SMTP server, by default on the submission
// port 587 with STARTTLS required: it will not send a message, let alone
// a password, in clear. It authenticates with AUTH PLAIN when Username
// is set.
type SMTP struct {
	Host     string
	Port     int // 587 when 0
	Username string
	Password string
	From     string // "Urząd Miasta <bok@um.example.pl>"
	// NoStartTLS sends without TLS and without credentials: only for a
	// relay on the same machine or network that offers no TLS.
	NoStartTLS bool
	// TLS configures STARTTLS: system roots and ServerName Host when nil;
	// tests set RootCAs to a notifytest.SMTPServer's.
	TLS     *tls.Config
	Timeout time.Duration // bounds a whole send; 30 s when 0
	Clock   Clock         // dates the messages; the system clock when nil
	Helo    string        // the name given in EHLO; "localhost" when empty
}

// Send sends m to m.To, an e-mail address.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.To.Kind != Email {
		return fmt.Errorf("smtp: cannot send to a contact of kind %s", m.To.Kind)
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return &ProviderError{Provider: "smtp", Detail: "the From address is not valid"}
	}
	now := time.Now()
	if s.Clock != nil {
		now = s.Clock.Now()
	}
	msg, err := buildMail(from, m, now)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return s.deliver(ctx, from.Address, m.To.Value, msg)
}

// deliver makes one SMTP session that delivers msg from from to to.
func (s *SMTP) deliver(ctx context.Context, from, to string, msg []byte) error {
	port := s.Port
	if port == 0 {
		port = 587
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(s.Host, strconv.Itoa(port)))
	if err != nil {
		return smtpFailure("connect", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) }) // ends a blocked read or write
	defer stop()

	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return smtpFailure("greeting", err)
	}
	defer c.Close()
	helo := s.Helo
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return smtpFailure("EHLO", err)
	}
	secure := false
	if !s.NoStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &ProviderError{Provider: "smtp", Detail: "the server does not offer STARTTLS; refusing to send in clear"}
		}
		cfg := &tls.Config{}
		if s.TLS != nil {
			cfg = s.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = s.Host
		}
		if cfg.MinVersion == 0 {
			cfg.MinVersion = tls.VersionTLS12
		}
		if err := c.StartTLS(cfg); err != nil {
			return smtpFailure("STARTTLS", err)
		}
		secure = true
	}
	if s.Username != "" {
		if !secure {
			return &ProviderError{Provider: "smtp", Detail: "refusing to send the password without TLS"}
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return smtpFailure("AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return smtpFailure("MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return smtpFailure("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpFailure("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpFailure("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpFailure("DATA", err)
	}
	_ = c.Quit() // the server has taken the message
	return nil
}

// smtpFailure describes what failed at step of a session: a 4xx reply,
// the network or a timeout may pass; a 5xx reply, a refused login or an
// untrusted certificate will not.
func smtpFailure(step string, err error) error {
	pe := &ProviderError{Provider: "smtp", Detail: step}
	var te *textproto.Error
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &te):
		pe.Code = strconv.Itoa(te.Code)
		pe.Detail = step + ": " + scrub(te.Msg)
		pe.Temporary = te.Code >= 400 && te.Code <= 499
		if step == "RCPT TO" && te.Code >= 500 {
			pe.Err = ErrRecipientRefused
		}
	case errors.As(err, &cv):
		pe.Detail = step + ": the server's certificate is not trusted"
		pe.Err = cv.Err
	case step == "AUTH": // net/smtp's own refusals: no AUTH offered, …
		pe.Err = err
	default:
		pe.Temporary = true
		pe.Err = err
	}
	return pe
}

// buildMail returns m as an Internet message from from, dated now: plain
// text in UTF-8, quoted-printable; multipart/mixed with each attachment
// in base64 when there are attachments.
func buildMail(from *mail.Address, m Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", (&mail.Address{Address: m.To.Value}).String())
	// Encoded words are at most 75 bytes; fold between them.
	header("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", m.Subject), "?= =?", "?=\r\n =?"))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	text := textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	}
	if len(m.Attachments) == 0 {
		header("Content-Type", text.Get("Content-Type"))
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	pw, err := mw.CreatePart(text)
	if err != nil {
		return nil, err
	}
	if err := writeQP(pw, m.Text); err != nil {
		return nil, err
	}
	for i, a := range m.Attachments {
		h, err := attachmentHeader(a)
		if err != nil {
			return nil, fmt.Errorf("attachment %d: %w", i+1, err)
		}
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		if err := writeBase64(pw, a.Data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// attachmentHeader is the MIME header of attachment a.
func attachmentHeader(a Attachment) (textproto.MIMEHeader, error) {
	name := path.Base(strings.ReplaceAll(a.Name, "\\", "/"))
	if strings.ContainsAny(name, "\r\n") || name == "." || name == "/" {
		name = "attachment"
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	typ, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("content type %q: %w", ct, err)
	}
	params["name"] = name
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	ct = mime.FormatMediaType(typ, params)
	if disp == "" || ct == "" {
		return nil, fmt.Errorf("cannot write a header for %q (%s)", name, a.ContentType)
	}
	return textproto.MIMEHeader{
		"Content-Type":              {ct},
		"Content-Transfer-Encoding": {"base64"},
		"Content-Disposition":       {disp},
	}, nil
}

// writeQP writes text quoted-printable, its lines ending in CRLF.
func writeQP(w io.Writer, text string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, text); err != nil {
		return err
	}
	return qp.Close()
}

// writeBase64 writes data in base64, 76 characters a line.
func writeBase64(w io.Writer, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 0 {
		n := min(76, len(enc))
		if _, err := io.WriteString(w, enc[:n]+"\r\n"); err != nil {
			return err
		}
		enc = enc[n:]
	}
	return nil
}

// messageID returns a new, unique Message-ID in the domain of address from.
func messageID(from string) string {
	var r [16]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24)
	domain := "numerek.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
