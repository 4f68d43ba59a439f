package notify

import (
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// What is wrong with a phone number or an e-mail address a person typed.
// The controller translates them; wrapped ones add a detail in English.
var (
	ErrPhoneEmpty     = errors.New("no phone number given")
	ErrPhoneInvalid   = errors.New("not a valid phone number")
	ErrPhoneNotMobile = errors.New("not a mobile phone number: text messages need a mobile")
	ErrEmailEmpty     = errors.New("no e-mail address given")
	ErrEmailInvalid   = errors.New("not a valid e-mail address")
	ErrEmailTooLong   = errors.New("the e-mail address is too long")
)

// DefaultRegion is the region of numbers written without a country code.
const DefaultRegion = "PL"

// ParsePhone parses a mobile number as a person types it ("600 700 800",
// "+48600700800", "0048 600-700-800") in region (DefaultRegion when
// empty) and returns it in E.164. Numbers abroad need their "+" or "00"
// prefix. Only mobile numbers are accepted: we send text messages.
func ParsePhone(s, region string) (Contact, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Contact{}, ErrPhoneEmpty
	}
	if region == "" {
		region = DefaultRegion
	}
	// phonenumbers reads letters as keypad digits and "ext." as an
	// extension; neither belongs in a number for text messages.
	if len(s) > 40 || strings.ContainsFunc(s, unicode.IsLetter) {
		return Contact{}, ErrPhoneInvalid
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return Contact{}, ErrPhoneInvalid
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return Contact{}, ErrPhoneNotMobile
	}
	return Contact{Kind: Phone, Value: phonenumbers.Format(num, phonenumbers.E164)}, nil
}

// ParseEmail parses one bare e-mail address ("jan.kowalski@example.com",
// no name, no angle brackets) and returns it trimmed, its domain in lower
// case. The domain must have a dot: mail leaves the office's network.
func ParseEmail(s string) (Contact, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Contact{}, ErrEmailEmpty
	case len(s) > 254: // RFC 5321's limit on a path, less the brackets
		return Contact{}, ErrEmailTooLong
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		// a.Address differs for "Jan <jan@x.pl>", comments, quoted local parts
		return Contact{}, ErrEmailInvalid
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if len(local) > 64 {
		return Contact{}, ErrEmailTooLong
	}
	if !validDomain(domain) {
		return Contact{}, ErrEmailInvalid
	}
	return Contact{Kind: Email, Value: local + "@" + domain}, nil
}

// validDomain reports whether d is a host name with at least two labels
// of letters, digits and inner hyphens (Unicode letters allowed).
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// Masked returns c fit for logs: "+48 *** *** 789" for a phone (the
// country code and the last three digits), "j***@example.com" for an
// e-mail address (the first letter and the domain).
func (c Contact) Masked() string {
	switch c.Kind {
	case Phone:
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, c.Value)
		if len(digits) < 7 {
			return "***"
		}
		last := digits[len(digits)-3:]
		if num, err := phonenumbers.Parse(c.Value, DefaultRegion); err == nil && num.GetCountryCode() != 0 {
			return "+" + strconv.Itoa(int(num.GetCountryCode())) + " *** *** " + last
		}
		return "*** *** " + last
	case Email:
		at := strings.LastIndexByte(c.Value, '@')
		if at <= 0 {
			return "***"
		}
		r, _ := utf8.DecodeRuneInString(c.Value)
		return string(r) + "***@" + c.Value[at+1:]
	}
	if c.Value == "" {
		return ""
	}
	return "***"
}
