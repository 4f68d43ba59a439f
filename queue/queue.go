// Package queue is numerek's domain: locations, services, counters and
// tickets, the order of calling, the no-show rule, booked visits entering the
// queue and wait estimates.
//
// It is pure Go with no I/O of its own. Every change is an Event with a
// per-location sequence number; the Engine decides events from commands,
// hands them to a Journal (which must make them durable before it returns)
// and only then applies them. Replaying the same events rebuilds the same
// state, so the engine is deterministic given its inputs, its clock and its
// source of randomness.
package queue

import (
	"errors"
	"fmt"
	"time"
)

// Clock tells the time. Production code uses SystemClock; tests use a fake
// from queuetest so that nothing ever sleeps.
type Clock interface {
	Now() time.Time
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Error codes, mapped to HTTP statuses in one table by the controller.
const (
	EInvalid      = "invalid"      // the request is malformed or breaks a rule
	ENotFound     = "not_found"    // no such location, service, counter or ticket
	EConflict     = "conflict"     // the request does not fit the current state
	EClosed       = "closed"       // the location is closed now
	EUnauthorized = "unauthorized" // who is asking is not known
	EForbidden    = "forbidden"    // known, but not allowed to do this
	EInternal     = "internal"     // our fault; details are logged, not shown
)

// Error is a domain error: a code, a message fit to show to the person who
// asked, and the operation that failed.
type Error struct {
	Code    string
	Message string // in English; for logs, and shown when no translation fits
	Op      string

	// Format and Args are the message's format and arguments, so that a
	// caller can show it in another language.
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Op != "" {
		return e.Op + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// ErrorCode returns the code of err's *Error, or EInternal when it has none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the message of err's *Error fit to show, or a generic
// one for internal errors, whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}
