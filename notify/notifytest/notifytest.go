// Package notifytest has fakes for testing code that sends with package
// notify: an SMSAPI server and a webhook receiver (httptest, on loopback)
// that record what they receive and can be told to fail, and an SMTP
// server with STARTTLS on a self-signed certificate that parses what it
// receives.
package notifytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// failure is how a fake answers the next Count requests.
type failure struct {
	count  int
	status int
	body   string
}

// failures hands out the failures a test asked for, in order.
type failures struct {
	mu   sync.Mutex
	list []failure
}

func (f *failures) add(n, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, failure{n, status, body})
}

// next returns the failure for this request, if any.
func (f *failures) next() (failure, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.list) > 0 && f.list[0].count <= 0 {
		f.list = f.list[1:]
	}
	if len(f.list) == 0 {
		return failure{}, false
	}
	f.list[0].count--
	return f.list[0], true
}

// SMSAPIRequest is one request the fake SMSAPI received.
type SMSAPIRequest struct {
	Method, Path string
	Header       http.Header
	Form         url.Values // "to", "message", "from", "format", "encoding"
}

// SMSAPI is a fake of SMSAPI.pl's sms.do. It answers like SMSAPI: a list
// of one queued message, or {"error": code, "message": …}. Give its URL
// as notify.SMSAPI's BaseURL.
type SMSAPI struct {
	*httptest.Server
	token string
	fail  failures

	mu       sync.Mutex
	requests []SMSAPIRequest
}

// NewSMSAPI starts a fake SMSAPI that accepts the bearer token token (any
// token when empty) and stops it when the test ends.
func NewSMSAPI(t testing.TB, token string) *SMSAPI {
	s := &SMSAPI{token: token}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// FailNext makes the next n requests answer status with body; SMSAPIError
// makes such a body.
func (s *SMSAPI) FailNext(n, status int, body string) { s.fail.add(n, status, body) }

// SMSAPIError is the body of an SMSAPI error answer.
func SMSAPIError(code int, message string) string {
	b, _ := json.Marshal(map[string]any{"error": code, "message": message})
	return string(b)
}

// Requests returns what the fake received, oldest first.
func (s *SMSAPI) Requests() []SMSAPIRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMSAPIRequest(nil), s.requests...)
}

func (s *SMSAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	s.requests = append(s.requests, SMSAPIRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Form: form})
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	answer := func(status int, body string) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	if f, ok := s.fail.next(); ok {
		answer(f.status, f.body)
		return
	}
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/sms.do":
		answer(http.StatusNotFound, SMSAPIError(8, "Error in request"))
	case s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token:
		answer(http.StatusUnauthorized, SMSAPIError(101, "Authorization failed"))
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		answer(http.StatusBadRequest, SMSAPIError(8, "Error in request"))
	case form.Get("to") == "":
		answer(http.StatusOK, SMSAPIError(13, "No correct phone numbers"))
	case form.Get("message") == "":
		answer(http.StatusOK, SMSAPIError(11, "Message is empty"))
	default:
		s.mu.Lock()
		id := len(s.requests)
		s.mu.Unlock()
		b, _ := json.Marshal(map[string]any{"count": 1, "list": []map[string]any{{
			"id": fmt.Sprint(id), "points": 0.16, "number": form.Get("to"), "date_sent": 1764000000,
			"submitted_number": form.Get("to"), "status": "QUEUE", "error": nil, "idx": nil,
		}}})
		answer(http.StatusOK, string(b))
	}
}

// WebhookRequest is one request the fake webhook received.
type WebhookRequest struct {
	Header      http.Header
	Body        []byte
	To, Text    string // from the JSON body
	SignatureOK bool   // the signature header matches the body and the secret
}

// Webhook is a fake SMS gateway that takes notify's webhook POSTs. It
// checks the signature with its own HMAC and answers 204, or 401 when the
// signature is wrong.
type Webhook struct {
	*httptest.Server
	secret string
	fail   failures

	mu       sync.Mutex
	requests []WebhookRequest
}

// NewWebhook starts a fake gateway that checks signatures with secret
// (none when empty) and stops it when the test ends.
func NewWebhook(t testing.TB, secret string) *Webhook {
	h := &Webhook{secret: secret}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

// FailNext makes the next n requests answer status.
func (h *Webhook) FailNext(n, status int) { h.fail.add(n, status, "") }

// Requests returns what the fake received, oldest first.
func (h *Webhook) Requests() []WebhookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]WebhookRequest(nil), h.requests...)
}

func (h *Webhook) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := WebhookRequest{Header: r.Header.Clone(), Body: body}
	var msg struct{ To, Text string }
	_ = json.Unmarshal(body, &msg)
	req.To, req.Text = msg.To, msg.Text
	if h.secret != "" {
		mac := hmac.New(sha256.New, []byte(h.secret))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		req.SignatureOK = hmac.Equal([]byte(r.Header.Get("X-Numerek-Signature")), []byte(want))
	}
	h.mu.Lock()
	h.requests = append(h.requests, req)
	h.mu.Unlock()
	switch f, failing := h.fail.next(); {
	case failing:
		w.WriteHeader(f.status)
	case h.secret != "" && !req.SignatureOK:
		w.WriteHeader(http.StatusUnauthorized)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
