package devices

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/queue"
)

// quiet is a logger that drops everything, for tests.
var quiet = slog.New(slog.DiscardHandler)

// fastBackoff keeps retrying tests quick.
var fastBackoff = Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond, Multiplier: 2, Jitter: 0.2}

// ticketServer answers ticket requests as the controller does, after
// failing the first fail requests in the way fail says.
type ticketServer struct {
	mu    sync.Mutex
	keys  []string
	auth  []string
	fails int
	fail  func(w http.ResponseWriter, r *http.Request)
}

func (s *ticketServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	n := len(s.keys)
	s.mu.Unlock()
	if n <= s.fails {
		s.fail(w, r)
		return
	}
	var req struct{ Service string }
	_ = json.NewDecoder(r.Body).Decode(&req)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"ticket":{"number":"`+req.Service+`007","service":"`+req.Service+`","service_name":"Rejestracja pojazdów","location":"centrum","day":"2026-11-24","issued":"2026-11-24T08:00:00Z"},"ahead":3,"estimate_ns":600000000000,"eticket_url":"http://x/t/abc"}`)
}

func (s *ticketServer) seen() (keys, auth []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...), append([]string(nil), s.auth...)
}

func newTestClient(t *testing.T, url string, attempt time.Duration) *Client {
	t.Helper()
	c, err := NewClient(url, "demo-centrum-dispenser", "centrum", ClientOptions{AttemptTimeout: attempt, Backoff: fastBackoff, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssueTicketRetries(t *testing.T) {
	status := func(code int, body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			io.WriteString(w, body)
		}
	}
	tests := []struct {
		name     string
		fails    int
		fail     func(http.ResponseWriter, *http.Request)
		attempts int
		wantErr  string // "" for success
	}{
		{"503 three times", 3, status(503, `{"error":{"code":"internal","message":"busy"}}`), 4, ""},
		{"500 once", 1, status(500, `{"error":{"code":"internal","message":"our fault"}}`), 2, ""},
		{"timeout once", 1, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client leaving
			<-r.Context().Done()
		}, 2, ""},
		{"connection dropped after the controller answered", 2, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}, 3, ""},
		{"truncated answer", 1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(201)
			io.WriteString(w, `{"ticket":{"num`)
		}, 2, ""},
		{"429 is retried", 1, status(429, `{"error":{"code":"rate_limited","message":"slow down"}}`), 2, ""},
		{"409 closed is final", 1, status(409, `{"error":{"code":"closed","message":"the office is closed now"}}`), 1, "the office is closed now"},
		{"400 invalid is final", 1, status(400, `{"error":{"code":"invalid","message":"field \"service\" is missing"}}`), 1, `field "service" is missing`},
		{"401 is final", 1, status(401, `{"error":{"code":"unauthorized","message":"unknown device token"}}`), 1, "unknown device token"},
		{"404 without a body is final", 1, status(404, `not json`), 1, "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &ticketServer{fails: tt.fails, fail: tt.fail}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := newTestClient(t, srv.URL, 200*time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			key := NewIdempotencyKey()
			iss, err := c.IssueTicket(ctx, "A", key)
			keys, auth := s.seen()
			if len(keys) != tt.attempts {
				t.Errorf("%d attempts, want %d", len(keys), tt.attempts)
			}
			for i := range keys {
				if keys[i] != key {
					t.Errorf("attempt %d: key %q, want %q (the same on every retry)", i+1, keys[i], key)
				}
				if auth[i] != "Bearer demo-centrum-dispenser" {
					t.Errorf("attempt %d: Authorization %q", i+1, auth[i])
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Issued{Number: "A007", Service: "A", ServiceName: "Rejestracja pojazdów", Location: "centrum", Day: "2026-11-24",
				Issued: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), Ahead: 3, Estimate: queue.Estimate{Expected: 10 * time.Minute}, ETicketURL: "http://x/t/abc", Key: key}
			if iss != want {
				t.Errorf("got %+v, want %+v", iss, want)
			}
		})
	}
}

func TestIssueTicketClosedCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(409)
		io.WriteString(w, `{"error":{"code":"closed","message":"the office is closed now"}}`)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, time.Second).IssueTicket(context.Background(), "A", "k")
	if !HasCode(err, "closed") {
		t.Errorf("HasCode(%v, closed) is false", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Temporary() {
		t.Errorf("got %#v, want a final APIError 409", ae)
	}
}

func TestIssueTicketGivesUpWhenContextEnds(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens: connection refused
	c := newTestClient(t, url, 50*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.IssueTicket(ctx, "A", "k1")
	if err == nil || !strings.Contains(err.Error(), "gave up after") || !strings.Contains(err.Error(), "issue ticket A (key k1)") {
		t.Fatalf("error %v, want one that says it gave up, on which ticket", err)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2, Jitter: 0.2}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := b.Delay(i+1, 0.5); got != w {
			t.Errorf("attempt %d: got %s, want %s", i+1, got, w)
		}
	}
	if got, want := b.Delay(1, 0), 200*time.Millisecond; got != want {
		t.Errorf("least jitter: got %s, want %s", got, want)
	}
	if got := b.Delay(100, 0.9999); got > 6*time.Second || got < 5*time.Second {
		t.Errorf("most jitter at the cap: got %s, want within 5 s + 20 %%", got)
	}
}

func TestNewIdempotencyKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := NewIdempotencyKey()
		if len(k) != 32 || strings.Trim(k, "0123456789abcdef") != "" {
			t.Fatalf("key %q is not 128 bits in hex", k)
		}
		if seen[k] {
			t.Fatalf("key %q twice", k)
		}
		seen[k] = true
	}
}

func TestLocation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/locations/centrum" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"id":"centrum","name":"BOM Centrum","timezone":"Europe/Warsaw","open":true,"hours":"08:00-16:00",
			"services":[{"prefix":"A","name_pl":"Rejestracja pojazdów","name_en":"Vehicle registration"}]}`)
	}))
	defer srv.Close()
	loc, err := newTestClient(t, srv.URL+"/", time.Second).Location(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if loc.Name != "BOM Centrum" || loc.TZ.String() != "Europe/Warsaw" || !loc.Open {
		t.Errorf("got %+v", loc)
	}
	if s, ok := loc.Service("A"); !ok || s.NameEN != "Vehicle registration" {
		t.Errorf("service A: got %+v, %v", s, ok)
	}
}

func TestHeartbeat(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/devices/heartbeat" || r.Header.Get("Content-Type") != "application/json" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, time.Second)
	h := Health{Status: "error", Controller: "ok", Printer: "paper_out", Detail: strings.Repeat("ż", 150), Version: "0.1", Uptime: 90 * time.Second}
	if err := c.Heartbeat(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if got["status"] != "error" || got["printer"] != "paper_out" || got["uptime_s"] != 90.0 || got["version"] != "0.1" {
		t.Errorf("sent %v", got)
	}
	if d := got["detail"].(string); len(d) > 200 || !strings.HasPrefix(d, "żż") || strings.ContainsRune(d, '\uFFFD') {
		t.Errorf("detail of %d bytes, want at most 200 whole characters: %q", len(d), d)
	}

	old := httptest.NewServer(http.NotFoundHandler())
	defer old.Close()
	err := newTestClient(t, old.URL, time.Second).Heartbeat(context.Background(), h)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 404 {
		t.Errorf("older controller: got %v, want an APIError 404", err)
	}
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "http://a b"} {
		if _, err := NewClient(u, "t", "centrum", ClientOptions{}); err == nil {
			t.Errorf("NewClient(%q): no error", u)
		}
	}
}
