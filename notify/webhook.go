package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// SignatureHeader carries a webhook body's signature:
// "sha256=" and the hex HMAC-SHA256 of the body with the shared secret.
const SignatureHeader = "X-Numerek-Signature"

// Webhook sends text messages through any SMS gateway that takes a JSON
// POST: {"to": "+48600700800", "text": "…"}. Any 2xx answer is success.
// The gateway checks the SignatureHeader (and the bearer token, when set)
// to know the request is ours.
type Webhook struct {
	URL    string
	Token  string       // sent as "Authorization: Bearer …" when not empty
	Secret string       // signs the body when not empty
	HTTP   *http.Client // DefaultHTTPClient's when nil
}

// Sign returns the SignatureHeader value for body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send posts m.Text for m.To, a phone.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	if m.To.Kind != Phone {
		return fmt.Errorf("webhook: cannot send to a contact of kind %s", m.To.Kind)
	}
	body, err := json.Marshal(struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}{m.To.Value, m.Text})
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return &ProviderError{Provider: "webhook", Detail: "bad URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	if w.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.Token)
	}
	if w.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(w.Secret, body))
	}
	status, _, err := post(w.HTTP, req)
	if err != nil {
		return &ProviderError{Provider: "webhook", Temporary: true, Err: err}
	}
	// The answer's body is not shown: a gateway may echo the message.
	if status < 200 || status > 299 {
		return &ProviderError{Provider: "webhook", Status: status, Temporary: temporaryStatus(status)}
	}
	return nil
}
