package notify_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/numerek/numerek/notify"
)

func TestParsePhone(t *testing.T) {
	tests := []struct {
		name, in, region string
		want             string
		err              error
	}{
		{"spaces", "600 700 800", "", "+48600700800", nil},
		{"E.164", "+48600700800", "", "+48600700800", nil},
		{"00 and hyphens", "0048 600-700-800", "", "+48600700800", nil},
		{"brackets", "(+48) 512 345 678", "", "+48512345678", nil},
		{"trimmed", "  790123456 ", "", "+48790123456", nil},
		{"explicit PL", "450 123 456", "PL", "+48450123456", nil},
		{"UK mobile", "+44 7911 123456", "", "+447911123456", nil},
		{"German mobile", "+49 1512 3456789", "", "+4915123456789", nil},
		{"German region", "01512 3456789", "DE", "+4915123456789", nil},
		{"US fixed line or mobile", "+1 650 253 0000", "", "+16502530000", nil},
		{"Warsaw landline", "22 123 45 67", "", "", notify.ErrPhoneNotMobile},
		{"landline with +48", "+48 22 123 45 67", "", "", notify.ErrPhoneNotMobile},
		{"toll-free", "800 123 456", "", "", notify.ErrPhoneNotMobile},
		{"VoIP", "+48 39 123 45 67", "", "", notify.ErrPhoneNotMobile},
		{"empty", "", "", "", notify.ErrPhoneEmpty},
		{"blank", "   ", "", "", notify.ErrPhoneEmpty},
		{"letters", "abc", "", "", notify.ErrPhoneInvalid},
		{"keypad letters", "600 700 ABC", "", "", notify.ErrPhoneInvalid},
		{"extension", "600 700 800 ext. 5", "", "", notify.ErrPhoneInvalid},
		{"too short", "600 700 80", "", "", notify.ErrPhoneInvalid},
		{"too long", "6007008001", "", "", notify.ErrPhoneInvalid},
		{"symbols", "600700800#", "", "", notify.ErrPhoneInvalid},
		{"very long", strings.Repeat("6", 50), "", "", notify.ErrPhoneInvalid},
		{"unknown country code", "+999 600 700 800", "", "", notify.ErrPhoneInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := notify.ParsePhone(tt.in, tt.region)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("ParsePhone(%q, %q): got error %v, want %v", tt.in, tt.region, err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if c.Kind != notify.Phone || c.Value != tt.want {
				t.Errorf("ParsePhone(%q, %q) = %v %q, want phone %q", tt.in, tt.region, c.Kind, c.Value, tt.want)
			}
		})
	}
}

func TestParseEmail(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"plain", "jan.kowalski@example.com", "jan.kowalski@example.com", nil},
		{"trimmed, domain lower-cased", "  Jan.Kowalski@Example.COM ", "Jan.Kowalski@example.com", nil},
		{"plus and subdomain", "jan+wizyta@poczta.um.example.pl", "jan+wizyta@poczta.um.example.pl", nil},
		{"Polish letters", "zażółć@gęślą.pl", "zażółć@gęślą.pl", nil},
		{"64-character local part", long + "@example.com", long + "@example.com", nil},
		{"empty", "", "", notify.ErrEmailEmpty},
		{"blank", " \t", "", notify.ErrEmailEmpty},
		{"no at", "jan.kowalski", "", notify.ErrEmailInvalid},
		{"no domain", "jan@", "", notify.ErrEmailInvalid},
		{"no local part", "@example.com", "", notify.ErrEmailInvalid},
		{"no dot in the domain", "jan@localhost", "", notify.ErrEmailInvalid},
		{"with a name", "Jan <jan@example.com>", "", notify.ErrEmailInvalid},
		{"angle brackets", "<jan@example.com>", "", notify.ErrEmailInvalid},
		{"two addresses", "jan@example.com, ola@example.com", "", notify.ErrEmailInvalid},
		{"two ats", "jan@@example.com", "", notify.ErrEmailInvalid},
		{"empty label", "jan@example..com", "", notify.ErrEmailInvalid},
		{"hyphen first", "jan@-example.com", "", notify.ErrEmailInvalid},
		{"trailing dot", "jan@example.com.", "", notify.ErrEmailInvalid},
		{"space", "jan kowalski@example.com", "", notify.ErrEmailInvalid},
		{"quoted local part", `"jan"@example.com`, "", notify.ErrEmailInvalid},
		{"domain literal", "jan@[127.0.0.1]", "", notify.ErrEmailInvalid},
		{"comment", "jan@example.com (Jan)", "", notify.ErrEmailInvalid},
		{"line break", "jan@example.com\r\nBcc: ola@example.com", "", notify.ErrEmailInvalid},
		{"local part too long", long + "a@example.com", "", notify.ErrEmailTooLong},
		{"too long", "jan@" + strings.Repeat("abcdefghij.", 23) + "pl", "", notify.ErrEmailTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := notify.ParseEmail(tt.in)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("ParseEmail(%q): got error %v, want %v", tt.in, err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if c.Kind != notify.Email || c.Value != tt.want {
				t.Errorf("ParseEmail(%q) = %v %q, want email %q", tt.in, c.Kind, c.Value, tt.want)
			}
		})
	}
}

func TestMasked(t *testing.T) {
	tests := []struct {
		name string
		c    notify.Contact
		want string
	}{
		{"Polish mobile", notify.Contact{Kind: notify.Phone, Value: "+48600700789"}, "+48 *** *** 789"},
		{"UK mobile", notify.Contact{Kind: notify.Phone, Value: "+447911123456"}, "+44 *** *** 456"},
		{"short", notify.Contact{Kind: notify.Phone, Value: "112"}, "***"},
		{"e-mail", notify.Contact{Kind: notify.Email, Value: "jan@example.com"}, "j***@example.com"},
		{"Polish first letter", notify.Contact{Kind: notify.Email, Value: "Żaneta@poczta.pl"}, "Ż***@poczta.pl"},
		{"no at", notify.Contact{Kind: notify.Email, Value: "jan"}, "***"},
		{"zero", notify.Contact{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Masked(); got != tt.want {
				t.Errorf("Masked() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestContactNeverPrintsInFull: printing or logging a contact or a message
// by mistake shows neither the whole number nor the text.
func TestContactNeverPrintsInFull(t *testing.T) {
	phone, _ := notify.ParsePhone("600 700 789", "")
	m := notify.Message{To: phone, Text: "Twój kod: 482913"}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("x", "contact", phone, "message", m)
	printed := fmt.Sprint(phone) + fmt.Sprintf("%v %+v", m, m) + buf.String()
	for _, secret := range []string{"600700789", "482913"} {
		if strings.Contains(printed, secret) {
			t.Errorf("%q shows %q", printed, secret)
		}
	}
	if !strings.Contains(buf.String(), "+48 *** *** 789") {
		t.Errorf("log %q does not show the masked number", buf.String())
	}
}
