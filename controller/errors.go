package controller

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/queue"
)

// Error codes of the HTTP layer, beyond the domain's.
const (
	ETooLarge     = "too_large"
	EUnsupported  = "unsupported_media_type"
	ERateLimited  = booking.ERateLimited
	EUnavailable  = "unavailable"
	maxBodyBytes  = 16 << 10 // every request body of the API is small
	jsonMediaType = "application/json"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	queue.EInvalid:      http.StatusBadRequest,
	queue.ENotFound:     http.StatusNotFound,
	queue.EConflict:     http.StatusConflict,
	queue.EClosed:       http.StatusConflict,
	queue.EUnauthorized: http.StatusUnauthorized,
	queue.EForbidden:    http.StatusForbidden,
	queue.EInternal:     http.StatusInternalServerError,
	ETooLarge:           http.StatusRequestEntityTooLarge,
	EUnsupported:        http.StatusUnsupportedMediaType,
	ERateLimited:        http.StatusTooManyRequests,
	EUnavailable:        http.StatusServiceUnavailable,
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with err's status and its message in the language
// the request asks for. Internal errors are logged with their detail and
// shown as "internal error".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := queue.ErrorCode(err)
	status := errorStatus(err)
	if status >= 500 {
		log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = localMessage(err, requestLang(r))
	writeJSON(w, status, body)
}

// errorStatus is the HTTP status of err by the one table.
func errorStatus(err error) int {
	if status, ok := statusOf[queue.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a request body of JSON into v: the media type must be
// JSON, the body at most maxBodyBytes, one object with known fields only.
// Its errors say what was wrong.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != jsonMediaType {
			return queue.Errorf(EUnsupported, "Content-Type must be %s, not %q", jsonMediaType, ct)
		}
	}
	return decodeJSONBody(http.MaxBytesReader(nil, r.Body, maxBodyBytes), v)
}

// decodeJSONBody is decodeJSON without the request: the part that the fuzz
// test drives.
func decodeJSONBody(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return queue.Errorf(queue.EInvalid, "request body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil && !errors.Is(err, io.EOF) {
			return jsonError(err)
		}
		return queue.Errorf(queue.EInvalid, "request body has data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxBytes  *http.MaxBytesError
		unknownFd = "json: unknown field "
	)
	switch {
	case errors.Is(err, io.EOF):
		return queue.Errorf(queue.EInvalid, "request body is empty: a JSON object is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return queue.Errorf(queue.EInvalid, "request body is cut short: the JSON is incomplete")
	case errors.As(err, &maxBytes):
		return queue.Errorf(ETooLarge, "request body is larger than %d bytes", maxBodyBytes)
	case errors.As(err, &syntax):
		return queue.Errorf(queue.EInvalid, "request body is not valid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return queue.Errorf(queue.EInvalid, "request body must be a JSON object, not %s", typeErr.Value)
		}
		return queue.Errorf(queue.EInvalid, "field %q must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), unknownFd):
		return queue.Errorf(queue.EInvalid, "unknown field %s", strings.TrimPrefix(err.Error(), unknownFd))
	}
	return queue.Errorf(queue.EInvalid, "request body is not valid JSON: %v", err)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "uint64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	}
	return "a " + k
}
