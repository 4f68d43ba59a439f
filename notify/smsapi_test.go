package notify_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/notify/notifytest"
)

const polishText = "Zapraszamy: numer A012, stanowisko 5. Zażółć gęślą jaźń!"

func phone(t *testing.T, s string) notify.Contact {
	t.Helper()
	c, err := notify.ParsePhone(s, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkNoPersonalData fails when err's text shows the whole number or the
// message text.
func checkNoPersonalData(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q shows %q", err, s)
		}
	}
}

func TestSMSAPISends(t *testing.T) {
	fake := notifytest.NewSMSAPI(t, "tok-123")
	s := &notify.SMSAPI{BaseURL: fake.URL, Token: "tok-123", From: "UrzadMiasta"}
	if err := s.Send(context.Background(), notify.Message{To: phone(t, "600 700 800"), Text: polishText}); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/sms.do" {
		t.Errorf("got %s %s, want POST /sms.do", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer tok-123" {
		t.Errorf("got Authorization %q, want the bearer token", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("got Content-Type %q, want a form", got)
	}
	want := map[string]string{"to": "48600700800", "message": polishText, "from": "UrzadMiasta",
		"format": "json", "encoding": "utf-8"}
	for k, v := range want {
		if got := r.Form.Get(k); got != v {
			t.Errorf("form field %s: got %q, want %q", k, got, v)
		}
	}
	if len(r.Form) != len(want) {
		t.Errorf("got form %v, want only %v", r.Form, want)
	}
}

func TestSMSAPIFailures(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		token     string // the sender's; the fake wants "good"
		temporary bool
		refused   bool
		says      []string
	}{
		{"invalid number", 200, notifytest.SMSAPIError(13, "No correct phone numbers: 48600700800"), "good", false, true,
			[]string{"smsapi", "error 13", "No correct phone numbers"}},
		{"blacklisted", 200, notifytest.SMSAPIError(57, "Recipient is on blacklist"), "good", false, true, []string{"error 57"}},
		{"wrong token", 0, "", "bad", false, false, []string{"smsapi", "401 Unauthorized", "error 101"}},
		{"no credits", 200, notifytest.SMSAPIError(103, "Insufficient credits"), "good", false, false, []string{"error 103"}},
		{"too many requests, code", 200, notifytest.SMSAPIError(203, "Too many requests"), "good", true, false, []string{"error 203"}},
		{"internal error, code", 200, notifytest.SMSAPIError(999, "Internal error"), "good", true, false, []string{"error 999"}},
		{"string code", 400, `{"error":"invalid_request_data","message":"Bad"}`, "good", false, false, []string{"error invalid_request_data"}},
		{"503", 503, "<html>busy</html>", "good", true, false, []string{"smsapi", "503 Service Unavailable"}},
		{"429", 429, "", "good", true, false, []string{"429"}},
		{"400 without JSON", 400, "bad request", "good", false, false, []string{"400 Bad Request"}},
		{"200 not JSON", 200, "OK", "good", false, false, []string{"not JSON"}},
		{"200 empty list", 200, `{"count":0,"list":[]}`, "good", false, false, []string{"no message"}},
		{"message refused in the list", 200, `{"count":1,"list":[{"id":"1","error":13}]}`, "good", false, true, []string{"error 13"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := notifytest.NewSMSAPI(t, "good")
			if tt.status != 0 {
				fake.FailNext(1, tt.status, tt.body)
			}
			s := &notify.SMSAPI{BaseURL: fake.URL, Token: tt.token}
			err := s.Send(context.Background(), notify.Message{To: phone(t, "600 700 800"), Text: polishText})
			if err == nil {
				t.Fatal("got no error")
			}
			if got := notify.IsTemporary(err); got != tt.temporary {
				t.Errorf("IsTemporary(%v) = %v, want %v", err, got, tt.temporary)
			}
			if got := errors.Is(err, notify.ErrRecipientRefused); got != tt.refused {
				t.Errorf("errors.Is(%v, ErrRecipientRefused) = %v, want %v", err, got, tt.refused)
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			checkNoPersonalData(t, err, "600700800", "Zapraszamy")
		})
	}
}

func TestSMSAPINetworkErrorIsTemporary(t *testing.T) {
	fake := notifytest.NewSMSAPI(t, "")
	url := fake.URL
	fake.Close()
	s := &notify.SMSAPI{BaseURL: url, Token: "secret-token"}
	err := s.Send(context.Background(), notify.Message{To: phone(t, "600 700 800"), Text: "x"})
	if !notify.IsTemporary(err) {
		t.Errorf("IsTemporary(%v) = false, want true", err)
	}
	checkNoPersonalData(t, err, "600700800", "secret-token")
}

func TestSMSAPIRefusesEmail(t *testing.T) {
	s := &notify.SMSAPI{BaseURL: "http://127.0.0.1:1", Token: "t"}
	err := s.Send(context.Background(), notify.Message{To: notify.Contact{Kind: notify.Email, Value: "jan@example.com"}})
	if err == nil || notify.IsTemporary(err) {
		t.Errorf("got %v, want a final error", err)
	}
}

func TestWebhook(t *testing.T) {
	tests := []struct {
		name      string
		secret    string // the sender's; the gateway's is "shared"
		fail      int    // status the gateway answers
		temporary bool
		wantErr   bool
	}{
		{"signed", "shared", 0, false, false},
		{"wrong secret", "other", 0, false, true},
		{"gateway down", "shared", 502, true, true},
		{"rate limited", "shared", 429, true, true},
		{"bad request", "shared", 400, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := notifytest.NewWebhook(t, "shared")
			if tt.fail != 0 {
				gw.FailNext(1, tt.fail)
			}
			w := &notify.Webhook{URL: gw.URL + "/sms", Token: "gw-token", Secret: tt.secret}
			err := w.Send(context.Background(), notify.Message{To: phone(t, "600 700 800"), Text: polishText})
			if (err != nil) != tt.wantErr || notify.IsTemporary(err) != tt.temporary {
				t.Fatalf("got %v (temporary %v), want error %v, temporary %v", err, notify.IsTemporary(err), tt.wantErr, tt.temporary)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "webhook: ") {
					t.Errorf("error %q does not name the provider", err)
				}
				checkNoPersonalData(t, err, "600700800", "Zapraszamy")
				return
			}
			reqs := gw.Requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if !r.SignatureOK {
				t.Errorf("signature %q does not match the body", r.Header.Get(notify.SignatureHeader))
			}
			if r.To != "+48600700800" || r.Text != polishText {
				t.Errorf("got to %q text %q, want +48600700800 and the text", r.To, r.Text)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer gw-token" {
				t.Errorf("got Authorization %q, want the bearer token", got)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", got)
			}
		})
	}
}

func TestSign(t *testing.T) {
	// HMAC-SHA256 of "" with key "" (a published test value).
	want := "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
	if got := notify.Sign("", nil); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}
