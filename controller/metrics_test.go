package controller

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics from the test server (on loopback) and parses it.
func (tc *testController) scrape() map[string]*dto.MetricFamily {
	tc.t.Helper()
	resp, err := http.Get(tc.srv.URL + "/metrics")
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		tc.t.Fatalf("/metrics: got status %d, want 200", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tc.t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// metricOf finds the metric of family name whose labels are all of
// pairs (name, value, name, value, …), or nil.
func metricOf(families map[string]*dto.MetricFamily, name string, pairs ...string) *dto.Metric {
	f := families[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(pairs); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

// TestMetrics scrapes /metrics after a short morning at counter 1 and
// checks each figure: what was issued and called, the waits and service
// times (on the fake clock), the open streams, the devices, the store and
// the HTTP requests.
func TestMetrics(t *testing.T) {
	tc := newTestController(t)
	d := tc.device(dispenserToken)
	for _, s := range []string{"A", "A", "B"} {
		d.must(201, "POST", "/api/v1/locations/centrum/tickets", `{"service":"`+s+`"}`)
	}
	anna := tc.client()
	anna.login("anna", "numerek")
	base := "/api/v1/locations/centrum/counters/1/"
	anna.must(200, "POST", base+"open", "")
	step := func(advance time.Duration, action, want string) {
		t.Helper()
		tc.clock.Advance(advance)
		out := anna.must(200, "POST", base+action, "")
		if got := ticketNumber(out); got != want {
			t.Fatalf("%s: got %s, want %s", action, got, want)
		}
	}
	step(4*time.Minute, "call-next", "A001") // 9:04, waited 4 min
	step(time.Minute, "came", "A001")
	step(6*time.Minute, "finish", "A001") // served 6 min
	step(0, "call-next", "A002")          // 9:11, waited 11 min
	step(time.Minute, "no-show", "A002")  // 9:12
	step(0, "call-next", "B001")          // waited 12 min
	step(time.Minute, "came", "B001")     // 9:13
	step(2*time.Minute, "finish", "B001") // served 2 min; A002 is called again at 9:15
	step(5*time.Minute, "finish", "A002") // no "came": served from its last call, 5 min
	d.must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"ok","printer":"ok"}`)
	tc.device(displayToken).must(204, "POST", "/api/v1/devices/heartbeat", `{"status":"degraded","detail":"dim"}`)

	// One display follows the hall's events.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", tc.srv.URL+"/api/v1/locations/centrum/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if f, err := (&streamReader{bufio.NewReader(resp.Body)}).next(); err != nil || f.event != "snapshot" {
		t.Fatalf("stream: got %+v %v, want a snapshot", f, err)
	}

	fams := tc.scrape()
	value := func(m *dto.Metric) float64 {
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		}
		return m.GetUntyped().GetValue()
	}
	for _, tt := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"numerek_tickets_issued_total", []string{"location", "centrum", "service", "A", "kind", "walk-in"}, 2},
		{"numerek_tickets_issued_total", []string{"location", "centrum", "service", "B", "kind", "walk-in"}, 1},
		{"numerek_tickets_issued_total", []string{"location", "centrum", "service", "A", "kind", "booked"}, 0},
		{"numerek_calls_total", []string{"location", "centrum", "reason", "next"}, 3},
		{"numerek_calls_total", []string{"location", "centrum", "reason", "recall"}, 1},
		{"numerek_calls_total", []string{"location", "centrum", "reason", "chosen"}, 0},
		{"numerek_sse_clients", []string{"location", "centrum", "stream", "location"}, 1},
		{"numerek_sse_clients", []string{"location", "centrum", "stream", "eticket"}, 0},
		{"numerek_sse_clients", []string{"location", "plaza", "stream", "location"}, 0},
		{"numerek_device_status", []string{"device", "centrum-dispenser", "role", "dispenser", "location", "centrum"}, 1},
		{"numerek_device_status", []string{"device", "centrum-display", "role", "display", "location", "centrum"}, 0.5},
		{"numerek_device_status", []string{"device", "centrum-kiosk", "role", "kiosk", "location", "centrum"}, 0},
	} {
		t.Run(fmt.Sprint(tt.name, tt.labels), func(t *testing.T) {
			m := metricOf(fams, tt.name, tt.labels...)
			if m == nil {
				t.Fatalf("no such metric")
			}
			if got := value(m); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	for _, tt := range []struct {
		name, service string
		count         uint64
		sum           float64
		le            float64 // a bucket…
		below         uint64  // … and how many are in it
	}{
		{"numerek_wait_seconds", "A", 2, (4 + 11) * 60, 300, 1},
		{"numerek_wait_seconds", "B", 1, 12 * 60, 900, 1},
		{"numerek_service_seconds", "A", 2, (6 + 5) * 60, 300, 1},
		{"numerek_service_seconds", "B", 1, 2 * 60, 120, 1},
	} {
		t.Run(tt.name+" "+tt.service, func(t *testing.T) {
			m := metricOf(fams, tt.name, "location", "centrum", "service", tt.service)
			if m == nil {
				t.Fatalf("no such metric")
			}
			h := m.GetHistogram()
			if h.GetSampleCount() != tt.count || h.GetSampleSum() != tt.sum {
				t.Errorf("got %d samples summing to %vs, want %d summing to %vs", h.GetSampleCount(), h.GetSampleSum(), tt.count, tt.sum)
			}
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() == tt.le && b.GetCumulativeCount() != tt.below {
					t.Errorf("bucket le=%v: got %d, want %d", tt.le, b.GetCumulativeCount(), tt.below)
				}
			}
		})
	}

	// The store's data, and the usual collectors of a Go process.
	size, err := tc.c.db.Size()
	if err != nil || size <= 0 {
		t.Fatalf("store size: %d, %v", size, err)
	}
	if m := metricOf(fams, "numerek_store_size_bytes"); m == nil || value(m) != float64(size) {
		t.Errorf("numerek_store_size_bytes: got %v, want %d", m, size)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}

	// Requests are timed by route pattern and status class; the event
	// stream, which lasts, is not.
	for _, tt := range []struct {
		route, status string
		count         uint64
	}{
		{"POST /api/v1/locations/{loc}/tickets", "2xx", 3},
		{"POST /api/v1/locations/{loc}/counters/{n}/{action}", "2xx", 10},
		{"POST /api/v1/session", "2xx", 1},
	} {
		m := metricOf(fams, "numerek_http_request_duration_seconds", "route", tt.route, "status", tt.status)
		if m == nil || m.GetHistogram().GetSampleCount() != tt.count {
			t.Errorf("requests %s %s: got %v, want %d", tt.route, tt.status, m, tt.count)
		}
	}
	if m := metricOf(fams, "numerek_http_request_duration_seconds", "route", "GET /api/v1/locations/{loc}/events"); m != nil {
		t.Errorf("the event stream is timed: %v", m)
	}
	anna.must(409, "POST", base+"finish", "") // nobody is at the counter
	if m := metricOf(tc.scrape(), "numerek_http_request_duration_seconds", "route", "POST /api/v1/locations/{loc}/counters/{n}/{action}", "status", "4xx"); m == nil || m.GetHistogram().GetSampleCount() != 1 {
		t.Errorf("a refused action: got %v, want one 4xx", m)
	}
}

// TestMetricsNewDay: the waits of tickets that a new day expired are not
// measured the day after.
func TestMetricsNewDay(t *testing.T) {
	tc := newTestController(t)
	tc.issue("A")
	tc.clock.Advance(24 * time.Hour) // Wednesday 9:00
	tc.issue("A")
	tc.clock.Advance(3 * time.Minute)
	anna := tc.client()
	anna.login("anna", "numerek")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/open", "")
	anna.must(200, "POST", "/api/v1/locations/centrum/counters/1/call-next", "")
	m := metricOf(tc.scrape(), "numerek_wait_seconds", "location", "centrum", "service", "A")
	if h := m.GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != 180 {
		t.Fatalf("waits: got %d summing to %vs, want one of 180s", h.GetSampleCount(), h.GetSampleSum())
	}
	if m := metricOf(tc.scrape(), "numerek_tickets_issued_total", "location", "centrum", "service", "A", "kind", "walk-in"); m.GetCounter().GetValue() != 2 {
		t.Fatalf("issued: got %v, want 2", m.GetCounter().GetValue())
	}
}

// TestMetricsAccess: /metrics is open to this machine and to the networks
// the configuration allows, to nobody else, whatever the headers say.
func TestMetricsAccess(t *testing.T) {
	tc := newTestController(t)
	tc.cfg.Metrics.Allow = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.20/32"), netip.MustParsePrefix("fd00::/8")}
	tc.restart()
	h := tc.c.Handler()
	for _, tt := range []struct {
		remote string
		header []string
		want   int
	}{
		{"127.0.0.1:5000", nil, 200},
		{"[::1]:5000", nil, 200},
		{"10.1.2.3:5000", nil, 200},
		{"[::ffff:10.1.2.3]:5000", nil, 200},
		{"192.168.1.20:5000", nil, 200},
		{"[fd12::7]:5000", nil, 200},
		{"192.168.1.21:5000", nil, 403},
		{"11.0.0.1:5000", nil, 403},
		{"[2001:db8::1]:5000", nil, 403},
		{"203.0.113.9:5000", []string{"X-Forwarded-For", "127.0.0.1"}, 403},
		{"garbage", nil, 403},
	} {
		t.Run(tt.remote, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.RemoteAddr = tt.remote
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Fatalf("got %d, want %d", w.Code, tt.want)
			}
			if tt.want == 200 && !strings.Contains(w.Body.String(), "numerek_store_size_bytes") {
				t.Fatalf("got no metrics: %.200s", w.Body.String())
			}
		})
	}
}
