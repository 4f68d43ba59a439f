package controller

import (
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/numerek/numerek/queue"
)

// heartbeatStale is how long after its last heartbeat a device counts as
// offline (silent) by default: three missed beats of the devices' 30
// seconds. [device_health] silent_after sets it.
const heartbeatStale = 90 * time.Second

// heartbeat is what a device says of itself every 30 seconds and on any
// change.
type heartbeat struct {
	Status     string `json:"status"`     // ok, degraded or error
	Controller string `json:"controller"` // how the device reaches us: ok or a problem
	Printer    string `json:"printer"`    // dispensers: ok, offline, paper_out, paper_low, cover_open or unknown
	Detail     string `json:"detail"`     // free text for the admin
	Version    string `json:"version"`
	UptimeS    int64  `json:"uptime_s"`
}

var (
	heartbeatStatuses = map[string]bool{"ok": true, "degraded": true, "error": true}
	printerStates     = map[string]bool{"": true, "ok": true, "offline": true, "paper_out": true, "paper_low": true, "cover_open": true, "unknown": true}
)

func (h *heartbeat) validate() error {
	switch {
	case !heartbeatStatuses[h.Status]:
		return queue.Errorf(queue.EInvalid, "field \"status\" must be ok, degraded or error, not %q", h.Status)
	case !printerStates[h.Printer]:
		return queue.Errorf(queue.EInvalid, "field \"printer\" must be ok, offline, paper_out, paper_low, cover_open or unknown, not %q", h.Printer)
	case len(h.Controller) > 200 || len(h.Detail) > 200 || len(h.Version) > 200:
		return queue.Errorf(queue.EInvalid, "text fields of a heartbeat must be at most 200 bytes")
	case !utf8.ValidString(h.Controller + h.Detail + h.Version):
		return queue.Errorf(queue.EInvalid, "text fields of a heartbeat must be UTF-8")
	case h.UptimeS < 0:
		return queue.Errorf(queue.EInvalid, "field \"uptime_s\" must not be negative")
	}
	return nil
}

// deviceHealth is the last heartbeat of each device, by name. It lives in
// memory only: devices repeat it every 30 seconds.
type deviceHealth struct {
	mu     sync.Mutex
	last   map[string]seenHeartbeat
	silent map[string]bool // devices whose silence was logged, until they speak again
}

type seenHeartbeat struct {
	heartbeat
	Seen time.Time
}

// record keeps hb as device's latest and reports the previous one.
func (d *deviceHealth) record(device string, hb heartbeat, now time.Time) (prev seenHeartbeat, had bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last == nil {
		d.last = map[string]seenHeartbeat{}
	}
	prev, had = d.last[device]
	d.last[device] = seenHeartbeat{heartbeat: hb, Seen: now}
	return prev, had
}

func (d *deviceHealth) get(device string) (seenHeartbeat, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.last[device]
	return s, ok
}

// postHeartbeat takes a device's heartbeat. Any device role may send one.
func (c *Controller) postHeartbeat(w http.ResponseWriter, r *http.Request) error {
	d, _, err := c.device(r)
	if err != nil {
		return err
	}
	var hb heartbeat
	if err := decodeJSON(r, &hb); err != nil {
		return err
	}
	if err := hb.validate(); err != nil {
		return err
	}
	now := c.clock.Now()
	prev, had := c.devices.record(d.Name, hb, now)
	if c.devices.speaks(d.Name) {
		c.log.Info("device heard from again", "device", d.Name, "location", d.Location, "silent_for", now.Sub(prev.Seen).Round(time.Second))
	}
	if !had || prev.Status != hb.Status || prev.Printer != hb.Printer {
		level := slog.LevelInfo
		if hb.Status != "ok" {
			level = slog.LevelWarn
		}
		c.log.Log(r.Context(), level, "device health", "device", d.Name, "status", hb.Status, "printer", hb.Printer, "detail", hb.Detail)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deviceView is a device as the clerk terminal, the /devices page and
// /metrics see it.
type deviceView struct {
	Name     string     `json:"name"`
	Role     DeviceRole `json:"role"`
	Counter  int        `json:"counter,omitempty"`
	State    string     `json:"state"` // ok, degraded, error, offline (no heartbeat for [device_health] silent_after, 90 s) or never (none since start)
	Printer  string     `json:"printer,omitempty"`
	Detail   string     `json:"detail,omitempty"`
	Version  string     `json:"version,omitempty"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

// listDevices shows the health of a location's devices to its clerks.
func (c *Controller) listDevices(w http.ResponseWriter, r *http.Request) error {
	loc := r.PathValue("loc")
	_, k, err := c.clerkSession(r)
	if err != nil {
		return err
	}
	if _, ok := c.location(loc); !ok {
		return queue.Errorf(queue.ENotFound, "unknown location %q", loc)
	}
	if !mayWorkAt(k, loc) {
		return queue.Errorf(queue.EForbidden, "clerk %s does not work at %s", k.Login, loc)
	}
	now := c.clock.Now()
	out := []deviceView{}
	for _, d := range c.cfg.Devices {
		if d.Location != loc {
			continue
		}
		out = append(out, c.deviceView(d, now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, out)
	return nil
}
