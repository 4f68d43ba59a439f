package controller

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/numerek/numerek/queue"
)

// MetricsConfig is the [metrics] section: who may read /metrics.
type MetricsConfig struct {
	// Allow are the networks, besides the controller's own machine
	// (loopback), whose addresses may read /metrics without logging in.
	Allow []netip.Prefix
}

// DefaultMetricsConfig allows loopback only.
func DefaultMetricsConfig() MetricsConfig { return MetricsConfig{} }

// rawMetrics is the [metrics] section as written: allow = ["10.0.0.0/8",
// "192.168.1.20"].
type rawMetrics struct {
	Allow []string `toml:"allow"`
}

func (m MetricsConfig) raw() rawMetrics {
	r := rawMetrics{}
	for _, p := range m.Allow {
		r.Allow = append(r.Allow, p.String())
	}
	return r
}

func (r rawMetrics) convert(p *configProblems) MetricsConfig {
	var m MetricsConfig
	for i, s := range r.Allow {
		pfx, err := parseAllow(s)
		if err != nil {
			p.addf(fmt.Sprintf("metrics.allow[%d]", i), "%q is not a network like \"10.0.0.0/8\" or an address like \"192.168.1.20\"", s)
			continue
		}
		m.Allow = append(m.Allow, pfx)
	}
	return m
}

// parseAllow reads a network in CIDR notation, or one address.
func parseAllow(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (m MetricsConfig) validate() []error {
	var p configProblems
	for i, pfx := range m.Allow {
		if !pfx.IsValid() {
			p.addf(fmt.Sprintf("metrics.allow[%d]", i), "is not a network")
		}
	}
	return p.errs
}

// Buckets of the histograms, in seconds. Waits reach two hours in a busy
// office; a visit at a counter rarely takes more than one.
var (
	waitBuckets    = []float64{30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200}
	serviceBuckets = []float64{60, 120, 180, 300, 450, 600, 900, 1200, 1800, 2700, 3600}
	httpBuckets    = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
)

// metrics are the controller's Prometheus metrics, in a registry of its own.
// The queue's counters and histograms are fed from the engine's events
// (observe); the gauges are read when /metrics is scraped.
type metrics struct {
	reg  *prometheus.Registry
	http *prometheus.HistogramVec

	issued       *prometheus.CounterVec
	calls        *prometheus.CounterVec
	waits        *prometheus.HistogramVec
	serviceTimes *prometheus.HistogramVec

	// locs is fixed at start (one per configured location) and only read
	// after: each has its own lock.
	locs map[string]*locationMetrics
}

// locationMetrics are one location's label children, looked up once, and
// what its tickets' timings need: when each ticket's wait started, until
// its first call, and when each client's service started, until it ends.
// Both maps hold today's tickets only: a new day clears them. Tickets
// issued before the controller started are not timed: their start was
// not seen (a transferred or restored ticket would look like a new one).
type locationMetrics struct {
	mu           sync.Mutex
	id           string
	issued       map[issuedKey]prometheus.Counter
	calls        map[queue.CallReason]prometheus.Counter
	waits        map[string]prometheus.Observer // by service
	serviceTimes map[string]prometheus.Observer // by service

	waitSince    map[string]time.Time // ticket id → its wait started (issue, or entry of a booked visit)
	serviceSince map[string]time.Time // ticket id → its service started (came, or the last call)
}

type issuedKey struct {
	service string
	kind    queue.Kind
}

// newMetrics makes the metrics of the controller c, with the label children
// of every location and service of cfg ready.
func newMetrics(c *Controller, cfg *Config) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "numerek_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and status class (event streams are left out).",
			Buckets: httpBuckets,
		}, []string{"route", "status"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numerek_tickets_issued_total",
			Help: "Tickets that entered the queue: walk-ins when issued, booked visits when their time came.",
		}, []string{"location", "service", "kind"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numerek_calls_total",
			Help: "Tickets called to a counter, by why: next, chosen, recall (a no-show called again).",
		}, []string{"location", "reason"}),
		waits: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "numerek_wait_seconds",
			Help:    "Time from a ticket's issue (a booked visit's entry into the queue) to its first call.",
			Buckets: waitBuckets,
		}, []string{"location", "service"}),
		serviceTimes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "numerek_service_seconds",
			Help:    "Time at the counter, from the client coming (or the last call) to finished.",
			Buckets: serviceBuckets,
		}, []string{"location", "service"}),
		locs: map[string]*locationMetrics{},
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.http, m.issued, m.calls, m.waits, m.serviceTimes,
		newGaugeCollector(c),
	)
	reasons := []queue.CallReason{queue.CallNextReason, queue.CallChosen, queue.CallAfterNoShow}
	for _, l := range cfg.Branch.Locations {
		lm := &locationMetrics{
			id:           l.ID,
			issued:       map[issuedKey]prometheus.Counter{},
			calls:        map[queue.CallReason]prometheus.Counter{},
			waits:        map[string]prometheus.Observer{},
			serviceTimes: map[string]prometheus.Observer{},
			waitSince:    map[string]time.Time{},
			serviceSince: map[string]time.Time{},
		}
		for _, s := range servedAt(cfg.Branch, l.ID) {
			for _, k := range []queue.Kind{queue.WalkIn, queue.Booked} {
				lm.issued[issuedKey{s, k}] = m.issued.WithLabelValues(l.ID, s, string(k))
			}
			lm.waits[s] = m.waits.WithLabelValues(l.ID, s)
			lm.serviceTimes[s] = m.serviceTimes.WithLabelValues(l.ID, s)
		}
		for _, r := range reasons {
			lm.calls[r] = m.calls.WithLabelValues(l.ID, string(r))
		}
		m.locs[l.ID] = lm
	}
	return m
}

// servedAt lists the services some counter of location loc serves, in the
// branch's order.
func servedAt(b queue.Branch, loc string) []string {
	served := map[string]bool{}
	for _, k := range b.Counters {
		if k.Location == loc {
			for _, s := range k.Services {
				served[s] = true
			}
		}
	}
	var out []string
	for _, s := range b.Services {
		if served[s.Prefix] {
			out = append(out, s.Prefix)
		}
	}
	return out
}

// observe counts a location's events. It runs in the engine's publish
// hook, under the location's lock: it only does map lookups of label
// children made at start and of today's tickets.
func (m *metrics) observe(loc string, events []queue.Event) {
	lm := m.locs[loc]
	if lm == nil {
		return
	}
	lm.mu.Lock()
	defer lm.mu.Unlock()
	for i := range events {
		ev := &events[i]
		switch ev.Type {
		case queue.DayStarted:
			// Yesterday's open tickets expired.
			clear(lm.waitSince)
			clear(lm.serviceSince)
		case queue.TicketIssued:
			lm.issuedCounter(m, ev.Service, ev.Kind).Inc()
			lm.waitSince[ev.Ticket] = ev.Time
		case queue.BookingEntered:
			lm.issuedCounter(m, ev.Service, queue.Booked).Inc()
			// A visitor who booked 10:00 has not waited at 9:50, and one
			// that entered late has not waited before it entered.
			since := ev.Time
			if ev.Key.After(since) {
				since = ev.Key
			}
			lm.waitSince[ev.Ticket] = since
		case queue.Called:
			lm.callCounter(m, ev.Reason).Inc()
			if since, ok := lm.waitSince[ev.Ticket]; ok {
				lm.waitObserver(m, ev.Service).Observe(max(ev.Time.Sub(since), 0).Seconds())
				delete(lm.waitSince, ev.Ticket)
			}
			lm.serviceSince[ev.Ticket] = ev.Time
		case queue.ClientCame:
			lm.serviceSince[ev.Ticket] = ev.Time
		case queue.Finished:
			if since, ok := lm.serviceSince[ev.Ticket]; ok {
				lm.serviceObserver(m, ev.Service).Observe(max(ev.Time.Sub(since), 0).Seconds())
			}
			delete(lm.serviceSince, ev.Ticket)
		case queue.Transferred:
			// Service starts again at a counter of the new service.
			delete(lm.serviceSince, ev.Ticket)
		case queue.Missed, queue.Cancelled:
			delete(lm.waitSince, ev.Ticket)
			delete(lm.serviceSince, ev.Ticket)
		}
	}
}

// The lookups below fall back to the vector for a label value not made at
// start (a service no counter serves, say), and keep what they made.

// cached returns m[k], made by mk and kept when it is not there yet.
func cached[K comparable, V any](m map[K]V, k K, mk func() V) V {
	v, ok := m[k]
	if !ok {
		v = mk()
		m[k] = v
	}
	return v
}

func (lm *locationMetrics) issuedCounter(m *metrics, service string, kind queue.Kind) prometheus.Counter {
	return cached(lm.issued, issuedKey{service, kind}, func() prometheus.Counter {
		return m.issued.WithLabelValues(lm.id, service, string(kind))
	})
}

func (lm *locationMetrics) callCounter(m *metrics, reason queue.CallReason) prometheus.Counter {
	return cached(lm.calls, reason, func() prometheus.Counter { return m.calls.WithLabelValues(lm.id, string(reason)) })
}

func (lm *locationMetrics) waitObserver(m *metrics, service string) prometheus.Observer {
	return cached(lm.waits, service, func() prometheus.Observer { return m.waits.WithLabelValues(lm.id, service) })
}

func (lm *locationMetrics) serviceObserver(m *metrics, service string) prometheus.Observer {
	return cached(lm.serviceTimes, service, func() prometheus.Observer { return m.serviceTimes.WithLabelValues(lm.id, service) })
}

// observeHTTP records how long a request took, by its route pattern (never
// its path: paths hold e-ticket tokens) and status class. Event streams,
// which last as long as the client stays, are left out.
func (m *metrics) observeHTTP(route string, status int, took time.Duration, contentType string) {
	if strings.HasPrefix(contentType, "text/event-stream") {
		return
	}
	if route == "" {
		route = "none"
	}
	m.http.WithLabelValues(route, statusClass(status)).Observe(took.Seconds())
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// gaugeCollector reads the gauges when /metrics is scraped: open event
// streams, the devices' health and the size of the store.
type gaugeCollector struct {
	c                    *Controller
	sse, device, storeSz *prometheus.Desc
}

func newGaugeCollector(c *Controller) gaugeCollector {
	return gaugeCollector{
		c: c,
		sse: prometheus.NewDesc("numerek_sse_clients",
			"Open event streams: stream=location (displays, clerk terminals, announcers) or eticket (e-ticket pages).",
			[]string{"location", "stream"}, nil),
		device: prometheus.NewDesc("numerek_device_status",
			"Each configured device's health by its last heartbeat: 1 ok, 0.5 degraded, 0 error, silent or never heard from.",
			[]string{"device", "role", "location"}, nil),
		storeSz: prometheus.NewDesc("numerek_store_size_bytes",
			"Bytes of data in the bbolt database: what a backup copies.", nil, nil),
	}
}

func (g gaugeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.sse
	ch <- g.device
	ch <- g.storeSz
}

func (g gaugeCollector) Collect(ch chan<- prometheus.Metric) {
	c := g.c
	for _, l := range c.cfg.Branch.Locations {
		ch <- prometheus.MustNewConstMetric(g.sse, prometheus.GaugeValue, float64(c.hub.Subscribers(l.ID)), l.ID, "location")
		ch <- prometheus.MustNewConstMetric(g.sse, prometheus.GaugeValue, float64(c.etickets.viewers(l.ID)), l.ID, "eticket")
	}
	now := c.clock.Now()
	for _, d := range c.cfg.Devices {
		v := c.deviceView(d, now)
		ch <- prometheus.MustNewConstMetric(g.device, prometheus.GaugeValue, deviceScore(v.State), d.Name, string(d.Role), d.Location)
	}
	if n, err := c.db.Size(); err == nil {
		ch <- prometheus.MustNewConstMetric(g.storeSz, prometheus.GaugeValue, float64(n))
	} else {
		ch <- prometheus.NewInvalidMetric(g.storeSz, fmt.Errorf("store size: %w", err))
	}
}

// deviceScore is a device state as the numerek_device_status gauge.
func deviceScore(state string) float64 {
	switch state {
	case "ok":
		return 1
	case "degraded":
		return 0.5
	}
	return 0
}

// metricsAllowed reports whether the request's peer may read /metrics:
// this machine (loopback), or an address in [metrics] allow. Proxy headers
// are not trusted.
func (c *Controller) metricsAllowed(r *http.Request) bool {
	a, err := netip.ParseAddr(clientIP(r))
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	if a.IsLoopback() {
		return true
	}
	for _, p := range c.cfg.Metrics.Allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// metricsPage serves the Prometheus metrics to the hall's LAN. It needs no
// session; only the addresses the configuration allows may read it.
func (c *Controller) metricsPage(w http.ResponseWriter, r *http.Request) {
	if !c.metricsAllowed(r) {
		c.log.Info("metrics refused", "ip", clientIP(r))
		http.Error(w, "403 forbidden: /metrics is open to this machine and to the networks in [metrics] allow only", http.StatusForbidden)
		return
	}
	c.metricsHandler.ServeHTTP(w, r)
}

// newMetricsHandler serves m's registry in the Prometheus text format.
func (c *Controller) newMetricsHandler() http.Handler {
	return promhttp.HandlerFor(c.metrics.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPromLogger{c},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      c.metrics.reg, // promhttp's own errors are counted there too
	})
}

// slogPromLogger hands promhttp's errors to the controller's log.
type slogPromLogger struct{ c *Controller }

func (l slogPromLogger) Println(v ...any) { l.c.log.Warn("metrics", "err", fmt.Sprint(v...)) }
