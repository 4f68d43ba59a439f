package controller

import (
	"bytes"
	"testing"

	"github.com/numerek/numerek/queue"
)

// FuzzDecodeRequest feeds arbitrary bodies to the API's JSON decoding for
// every request type: it must never panic, and every refusal must be a
// client error with a message, never an internal one.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"service":"A"}`,
		`{"service":"A","idempotency_key":"k-1"}`,
		`{"login":"anna","password":"numerek"}`,
		`{"number":"A012"}`,
		`{"service":7}`,
		`{"service":"A"}{"service":"B"}`,
		`{"service":"A"} x`,
		`[]`,
		`null`,
		`{"service":"\u0000"}`,
		`{"a":{"b":{"c":[1,2,3]}}}`,
		``,
		`{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&issueRequest{}, &loginRequest{}, &transferRequest{}, &callRequest{}}
		for _, v := range targets {
			err := decodeJSONBody(bytes.NewReader(body), v)
			if err == nil {
				continue
			}
			code := queue.ErrorCode(err)
			status, ok := statusOf[code]
			if !ok || status < 400 || status >= 500 {
				t.Fatalf("%T: body %q gave %v (code %q): want a 4xx error", v, body, err, code)
			}
			if queue.ErrorMessage(err) == "" {
				t.Fatalf("%T: body %q gave an error with no message", v, body)
			}
		}
	})
}
