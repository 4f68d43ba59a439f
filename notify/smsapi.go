package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SMSAPIURL is the base URL of SMSAPI.pl's API.
const SMSAPIURL = "https://api.smsapi.pl"

// SMSAPI sends text messages through SMSAPI.pl: a form POSTed to
// <BaseURL>/sms.do with an OAuth bearer token, answered in JSON
// (SMSAPI's HTTP API documentation, "Single SMS": https://docs.smsapi.com).
type SMSAPI struct {
	BaseURL string       // SMSAPIURL when empty; tests give a notifytest.SMSAPI's
	Token   string       // OAuth token from SMSAPI's customer panel, scope "sms"
	From    string       // sender name registered with SMSAPI; the account's default when empty
	HTTP    *http.Client // DefaultHTTPClient's when nil
}

// smsapiAnswer is what sms.do answers with format=json: a list of the
// messages queued, or an error code (a number; SMSAPI's newer endpoints
// use strings, so both are read) and its message.
type smsapiAnswer struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Count   int             `json:"count"`
	List    []struct {
		ID     string          `json:"id"`
		Status string          `json:"status"`
		Error  json.RawMessage `json:"error"`
	} `json:"list"`
}

// Send sends m.Text to m.To, a phone.
func (s *SMSAPI) Send(ctx context.Context, m Message) error {
	if m.To.Kind != Phone {
		return fmt.Errorf("smsapi: cannot send to a contact of kind %s", m.To.Kind)
	}
	form := url.Values{
		"to":       {strings.TrimPrefix(m.To.Value, "+")}, // SMSAPI writes numbers as 48600700800
		"message":  {m.Text},
		"format":   {"json"},
		"encoding": {"utf-8"},
	}
	if s.From != "" {
		form.Set("from", s.From)
	}
	base := s.BaseURL
	if base == "" {
		base = SMSAPIURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/sms.do",
		strings.NewReader(form.Encode()))
	if err != nil {
		return &ProviderError{Provider: "smsapi", Detail: "bad base URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Accept", "application/json")
	status, body, err := post(s.HTTP, req)
	if err != nil {
		return &ProviderError{Provider: "smsapi", Temporary: true, Err: err}
	}

	var a smsapiAnswer
	jsonErr := json.Unmarshal(body, &a)
	// sms.do reports errors with HTTP 200 as well as with 4xx and 5xx.
	if code := smsapiCode(a.Error); jsonErr == nil && code != "" {
		pe := &ProviderError{Provider: "smsapi", Status: status, Code: code, Detail: scrub(a.Message),
			Temporary: temporaryStatus(status) || smsapiTemporary(code)}
		if smsapiRefused(code) {
			pe.Err = ErrRecipientRefused
		}
		return pe
	}
	if status < 200 || status > 299 {
		return &ProviderError{Provider: "smsapi", Status: status, Temporary: temporaryStatus(status)}
	}
	// From here SMSAPI may have sent the message: none of this is retried.
	if jsonErr != nil {
		return &ProviderError{Provider: "smsapi", Status: status, Detail: "the answer is not JSON"}
	}
	if len(a.List) == 0 {
		return &ProviderError{Provider: "smsapi", Status: status, Detail: "the answer lists no message"}
	}
	if code := smsapiCode(a.List[0].Error); code != "" {
		return &ProviderError{Provider: "smsapi", Status: status, Code: code,
			Detail: "the message was not queued", Err: ErrRecipientRefused}
	}
	return nil
}

// smsapiCode returns SMSAPI's error code, a number or a string in JSON;
// "" for none (absent, null, 0 or "").
func smsapiCode(raw json.RawMessage) string {
	var n json.Number
	if json.Unmarshal(raw, &n) == nil && n != "" && n != "0" {
		return n.String()
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" && s != "0" {
		return scrub(s)
	}
	return ""
}

// smsapiTemporary reports whether SMSAPI's error code means "try again
// later": 201 and 999 (internal error), 202 and 203 (too many requests).
func smsapiTemporary(code string) bool {
	switch code {
	case "201", "202", "203", "999":
		return true
	}
	return false
}

// smsapiRefused reports whether SMSAPI's error code says the number
// cannot be sent to: 13 (no valid number), 57 (on the blacklist).
func smsapiRefused(code string) bool {
	return code == "13" || code == "57"
}
