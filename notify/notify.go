package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is how a Contact is reached.
type Kind int

// The kinds of contact.
const (
	Phone Kind = iota + 1 // a mobile number, by SMS
	Email                 // an e-mail address
)

func (k Kind) String() string {
	switch k {
	case Phone:
		return "phone"
	case Email:
		return "email"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Contact is a person's mobile number (E.164, "+48600700800") or e-mail
// address, as ParsePhone and ParseEmail return it. It prints and logs
// masked: see Masked.
type Contact struct {
	Kind  Kind
	Value string
}

// String returns c.Masked(), so that a Contact printed by mistake does
// not show the whole number or address.
func (c Contact) String() string { return c.Masked() }

// LogValue makes slog log c masked.
func (c Contact) LogValue() slog.Value { return slog.StringValue(c.Masked()) }

// Attachment is a file sent with an e-mail, such as an .ics calendar entry.
type Attachment struct {
	Name        string // file name, "wizyta.ics"
	ContentType string // "text/calendar; charset=utf-8; method=REQUEST"; application/octet-stream when empty
	Data        []byte
}

// Message is one notification to one person. An SMS carries Text only; an
// e-mail carries the Subject, the Text as its plain-text body, and the
// Attachments.
type Message struct {
	To          Contact
	Subject     string
	Text        string
	Attachments []Attachment
}

// String describes m without its text, so that a Message printed by
// mistake does not show it.
func (m Message) String() string {
	return fmt.Sprintf("message to %s (%d bytes, %d attachments)", m.To.Masked(), len(m.Text), len(m.Attachments))
}

// LogValue makes slog log m without its text: who it is for (masked) and
// how big it is.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("to", m.To), slog.Int("text_bytes", len(m.Text)),
		slog.Int("attachments", len(m.Attachments)))
}

// Sender sends messages: one provider (SMSAPI, a webhook, SMTP, the
// Outbox), or a Router in front of two.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Errors a Sender returns that callers may want to tell apart.
var (
	// ErrNotConfigured: nothing sends to this kind of contact.
	ErrNotConfigured = errors.New("no sender is configured for this kind of contact")
	// ErrRecipientRefused: the provider refused the number or address
	// (SMSAPI: invalid or blacklisted number; SMTP: recipient rejected).
	ErrRecipientRefused = errors.New("the provider refused the recipient")
)

// Router sends each message by its contact's kind: SMS for a phone,
// e-mail for an address. A nil sender means that kind is not configured.
type Router struct {
	SMS   Sender
	Email Sender
}

// Send sends m with the sender for m.To.Kind.
func (r *Router) Send(ctx context.Context, m Message) error {
	var s Sender
	switch m.To.Kind {
	case Phone:
		s = r.SMS
	case Email:
		s = r.Email
	default:
		return fmt.Errorf("send: unknown contact kind %d", int(m.To.Kind))
	}
	if s == nil {
		return fmt.Errorf("send to %s: %w", m.To.Kind, ErrNotConfigured)
	}
	return s.Send(ctx, m)
}

// Sends reports whether r has a sender for kind, so that a page can offer
// only what will work.
func (r *Router) Sends(kind Kind) bool {
	switch kind {
	case Phone:
		return r.SMS != nil
	case Email:
		return r.Email != nil
	}
	return false
}

// ProviderError is a provider's failure to send one message. Its text
// names the provider and what went wrong, never the message text or the
// whole number or address.
type ProviderError struct {
	Provider  string // "smsapi", "webhook", "smtp"
	Status    int    // HTTP status; 0 when there was none
	Code      string // the provider's own error code (SMSAPI's number, SMTP's reply code), when any
	Detail    string // what went wrong, in plain words, personal data masked
	Temporary bool   // trying again later may help
	Err       error  // the cause (network error, ErrRecipientRefused), when any
}

func (e *ProviderError) Error() string {
	parts := []string{e.Provider}
	if e.Status != 0 && (e.Status < 200 || e.Status > 299) {
		parts = append(parts, fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)))
	}
	if e.Code != "" {
		parts = append(parts, "error "+e.Code)
	}
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	if e.Err != nil && e.Err != ErrRecipientRefused {
		parts = append(parts, e.Err.Error())
	}
	return strings.Join(parts, ": ")
}

func (e *ProviderError) Unwrap() error { return e.Err }

// IsTemporary reports whether trying to send again later may succeed:
// a network error, a timeout, HTTP 5xx or 429, SMTP 4xx. A refused
// number, a bad token or any other final answer is not temporary.
func IsTemporary(err error) bool {
	var pe *ProviderError
	return errors.As(err, &pe) && pe.Temporary
}

// temporaryStatus reports whether an HTTP status means "try again later".
func temporaryStatus(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// DefaultHTTPClient returns the client the HTTP providers use when given
// none: every step of a request has a timeout, 20 s in all.
func DefaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = 15 * time.Second
	t.MaxIdleConnsPerHost = 2
	return &http.Client{Transport: t, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// maxAnswer bounds what is read of a provider's answer.
const maxAnswer = 64 << 10

// post makes req with client (DefaultHTTPClient when nil) and returns the
// status and the answer's body, up to maxAnswer bytes. Its errors are the
// transport's, without the URL.
func post(client *http.Client, req *http.Request) (int, []byte, error) {
	if client == nil {
		client = defaultHTTP
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry a secret
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read the answer (%d): %w", resp.StatusCode, err)
	}
	return resp.StatusCode, bytes.TrimSpace(body), nil
}

// defaultHTTP is shared by the providers given no client.
var defaultHTTP = DefaultHTTPClient()

var (
	emailLike  = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)
	numberLike = regexp.MustCompile(`\+?\d[\d ()-]{5,}\d`)
)

// scrub masks what looks like an e-mail address or a phone number in a
// provider's words, and shortens them to 200 bytes.
func scrub(s string) string {
	s = emailLike.ReplaceAllString(s, "***@***")
	s = numberLike.ReplaceAllString(s, "***")
	if len(s) > 200 {
		i := 200
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return s
}
