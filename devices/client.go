package devices

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numerek/numerek/queue"
)

// Client is the LAN client of the branch controller, for one device: its
// token and its location. Its methods are safe for concurrent use.
type Client struct {
	base     *url.URL
	token    string
	location string
	http     *http.Client
	attempt  time.Duration
	backoff  Backoff
	agent    string
	jitter   func() float64
	log      *slog.Logger
}

// ClientOptions are a Client's settings; zero values are the defaults.
type ClientOptions struct {
	HTTP           *http.Client  // a client that ignores proxy variables, when nil
	AttemptTimeout time.Duration // bounds each attempt; 5 s when 0
	Backoff        Backoff       // between attempts; DefaultBackoff when zero
	UserAgent      string        // "numerek-device" when empty
	Logger         *slog.Logger  // slog.Default when nil
	// Jitter returns a number in [0, 1) for spreading retries;
	// math/rand/v2's Float64 when nil.
	Jitter func() float64
}

// Backoff is how long to wait between attempts: Initial, then Multiplier
// times longer each time up to Max, each wait moved at random by up to
// Jitter of itself (0.2: ±20 %) so that devices that lost the controller
// together do not come back in step.
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	Jitter     float64
}

// DefaultBackoff waits 250 ms, 500 ms, 1 s, 2 s, 4 s, then 5 s, ±20 %.
var DefaultBackoff = Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2, Jitter: 0.2}

// Delay is the wait after the given failed attempt (1 for the first), for a
// random r in [0, 1).
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	d := float64(b.Initial)
	for i := 1; i < attempt && d < float64(b.Max); i++ {
		d *= b.Multiplier
	}
	d = min(d, float64(b.Max))
	d *= 1 + b.Jitter*(2*r-1)
	return time.Duration(d)
}

// NewClient returns a client of the controller at baseURL ("http://host:port")
// that authenticates with token, for location.
func NewClient(baseURL, token, location string, o ClientOptions) (*Client, error) {
	u, err := controllerURL(baseURL)
	if err != nil {
		return nil, err
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     60 * time.Second,
			TLSHandshakeTimeout: 3 * time.Second,
		}}
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 5 * time.Second
	}
	lanDefaults(&o.Backoff, &o.UserAgent, &o.Jitter, &o.Logger)
	return &Client{base: u, token: token, location: location, http: o.HTTP, attempt: o.AttemptTimeout,
		backoff: o.Backoff, agent: o.UserAgent, jitter: o.Jitter, log: o.Logger.With("component", "client")}, nil
}

// controllerURL parses the controller's base URL, "http://host:port".
func controllerURL(baseURL string) (*url.URL, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("controller URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("controller URL %q: want http://host:port or https://host:port", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// lanDefaults fills the settings every LAN loop of a device shares: the
// backoff, the user agent, the jitter and the logger.
func lanDefaults(b *Backoff, agent *string, jitter *func() float64, log **slog.Logger) {
	if *b == (Backoff{}) {
		*b = DefaultBackoff
	}
	if *agent == "" {
		*agent = "numerek-device"
	}
	if *jitter == nil {
		*jitter = mrand.Float64
	}
	if *log == nil {
		*log = slog.Default()
	}
}

// NewIdempotencyKey returns a new random 128-bit key, in hex, for one
// button press.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}

// APIError is an error the controller answered with.
type APIError struct {
	Status  int    // HTTP status
	Code    string // "closed", "not_found", "unauthorized", …
	Message string // the controller's words
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("controller answered %d %s", e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("controller: %s (%d %s)", e.Message, e.Status, e.Code)
}

// Temporary reports whether trying again may help: the controller's
// fault (5xx), a request timeout (408) or too many requests (429). Other
// 4xx answers say what is wrong with the request and are final.
func (e *APIError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests
}

// HasCode reports whether err is an APIError with code ("closed", …).
func HasCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// Issued is a ticket the controller issued.
type Issued struct {
	Number      string         // "A012"
	Service     string         // "A"
	ServiceName string         // in Polish
	Location    string         // location id
	Day         string         // "2026-11-24", the location's day
	Issued      time.Time      // UTC
	Ahead       int            // people waiting before it
	Estimate    queue.Estimate // first estimate of the wait
	ETicketURL  string         // what the QR code opens
	Repeated    bool           // the answer to a retry: the same ticket as before
	Key         string         // the idempotency key it was asked with
}

// IssueTicket asks for a walk-in ticket of service with the idempotency key
// key, retrying with the same key after network errors, timeouts and 5xx
// answers, with backoff, until ctx ends. A retried request never makes a
// second ticket. 4xx answers are final: see HasCode(err, "closed").
func (c *Client) IssueTicket(ctx context.Context, service, key string) (Issued, error) {
	var out struct {
		Ticket struct {
			Number      string    `json:"number"`
			Service     string    `json:"service"`
			ServiceName string    `json:"service_name"`
			Location    string    `json:"location"`
			Day         string    `json:"day"`
			Issued      time.Time `json:"issued"`
		} `json:"ticket"`
		Ahead      int    `json:"ahead"`
		EstimateNS int64  `json:"estimate_ns"`
		LowNS      int64  `json:"estimate_low_ns"`
		HighNS     int64  `json:"estimate_high_ns"`
		ETicketURL string `json:"eticket_url"`
		Repeated   bool   `json:"repeated"`
	}
	body, _ := json.Marshal(map[string]string{"service": service})
	op := fmt.Sprintf("issue ticket %s (key %s)", service, key)
	err := c.retry(ctx, op, func(ctx context.Context) error {
		return c.do(ctx, http.MethodPost, "/api/v1/locations/"+url.PathEscape(c.location)+"/tickets",
			body, map[string]string{"Idempotency-Key": key}, &out)
	})
	if err != nil {
		return Issued{}, err
	}
	if out.Ticket.Number == "" {
		return Issued{}, fmt.Errorf("%s: the answer has no ticket number", op)
	}
	t := out.Ticket
	return Issued{Number: t.Number, Service: t.Service, ServiceName: t.ServiceName, Location: t.Location, Day: t.Day,
		Issued: t.Issued, Ahead: out.Ahead, Estimate: queue.Estimate{Low: time.Duration(out.LowNS), Expected: time.Duration(out.EstimateNS), High: time.Duration(out.HighNS)}, ETicketURL: out.ETicketURL,
		Repeated: out.Repeated, Key: key}, nil
}

// LocationInfo is what the controller says of the device's location.
type LocationInfo struct {
	ID       string
	Name     string
	TZ       *time.Location
	Open     bool
	Hours    string
	Services []ServiceInfo
}

// ServiceInfo is one service of a location.
type ServiceInfo struct {
	Prefix string
	NamePL string
	NameEN string
}

// Service returns the service with prefix.
func (l LocationInfo) Service(prefix string) (ServiceInfo, bool) {
	for _, s := range l.Services {
		if s.Prefix == prefix {
			return s, true
		}
	}
	return ServiceInfo{}, false
}

// Location asks for the device's location, retrying like IssueTicket.
func (c *Client) Location(ctx context.Context) (LocationInfo, error) {
	var out struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Timezone string `json:"timezone"`
		Open     bool   `json:"open"`
		Hours    string `json:"hours"`
		Services []struct {
			Prefix string `json:"prefix"`
			NamePL string `json:"name_pl"`
			NameEN string `json:"name_en"`
		} `json:"services"`
	}
	op := "location " + c.location
	err := c.retry(ctx, op, func(ctx context.Context) error {
		return c.do(ctx, http.MethodGet, "/api/v1/locations/"+url.PathEscape(c.location), nil, nil, &out)
	})
	if err != nil {
		return LocationInfo{}, err
	}
	tz, err := time.LoadLocation(out.Timezone)
	if err != nil {
		return LocationInfo{}, fmt.Errorf("%s: time zone %q: %w", op, out.Timezone, err)
	}
	info := LocationInfo{ID: out.ID, Name: out.Name, TZ: tz, Open: out.Open, Hours: out.Hours}
	for _, s := range out.Services {
		info.Services = append(info.Services, ServiceInfo{Prefix: s.Prefix, NamePL: s.NamePL, NameEN: s.NameEN})
	}
	return info, nil
}

// Health is what a device says of itself in a heartbeat.
type Health struct {
	Status     string // "ok", "degraded" or "error"
	Controller string // "ok", or what is wrong reaching it
	Printer    string // "ok", "offline", "paper_out", "paper_low", "cover_open", "unknown"; "" for devices without one
	Detail     string // free text for the clerks and admins

	Version string        // the device's software version
	Uptime  time.Duration // since the device program started
}

// Heartbeat sends h, once, within the attempt timeout: the next heartbeat
// is the retry. A controller that does not know heartbeats answers an
// APIError with Status 404.
func (c *Client) Heartbeat(ctx context.Context, h Health) error {
	body, _ := json.Marshal(map[string]any{
		"status": h.Status, "controller": clip(h.Controller), "printer": h.Printer, "detail": clip(h.Detail),
		"version": clip(h.Version), "uptime_s": int64(h.Uptime / time.Second),
	})
	ctx, cancel := context.WithTimeout(ctx, c.attempt)
	defer cancel()
	if err := c.do(ctx, http.MethodPost, "/api/v1/devices/heartbeat", body, nil, nil); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// clip shortens s to the controller's 200 bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	i := 200
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// retry runs attempt until it succeeds, fails for good, or ctx ends.
func (c *Client) retry(ctx context.Context, op string, attempt func(ctx context.Context) error) error {
	start := time.Now()
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, c.attempt)
		err := attempt(actx)
		cancel()
		if err == nil {
			if n > 1 {
				c.log.Info("succeeded after retries", "op", op, "attempts", n)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: gave up after %d attempt(s) in %s: %w", op, n, time.Since(start).Round(time.Millisecond), err)
		}
		var ae *APIError
		if errors.As(err, &ae) && !ae.Temporary() {
			return fmt.Errorf("%s: %w", op, err)
		}
		d := c.backoff.Delay(n, c.jitter())
		c.log.Warn("attempt failed; retrying", "op", op, "attempt", n, "wait", d.Round(time.Millisecond), "err", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: gave up after %d attempt(s) in %s: %w", op, n, time.Since(start).Round(time.Millisecond), err)
		case <-t.C:
		}
	}
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// do makes one request. A 2xx answer is decoded into out (when not nil);
// any other is an *APIError with the controller's code and message.
func (c *Client) do(ctx context.Context, method, path string, body []byte, header map[string]string, out any) error {
	u := *c.base
	u.Path += path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("read the answer (%d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &APIError{Status: resp.StatusCode}
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil {
			ae.Code, ae.Message = e.Error.Code, e.Error.Message
		}
		return ae
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode the answer (%d): %w", resp.StatusCode, err)
	}
	return nil
}
