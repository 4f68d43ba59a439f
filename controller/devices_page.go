package controller

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/numerek/numerek/queue"
)

// DeviceHealthConfig is the [device_health] section. (Not [devices]: that
// name is the list of [[devices]].)
type DeviceHealthConfig struct {
	// SilentAfter is how long after its last heartbeat a device counts as
	// silent: offline in the API, an alert on /devices, 0 in /metrics, a
	// warning in the log. Devices beat every 30 seconds.
	SilentAfter time.Duration
}

// DefaultDeviceHealthConfig is three missed heartbeats.
func DefaultDeviceHealthConfig() DeviceHealthConfig {
	return DeviceHealthConfig{SilentAfter: heartbeatStale}
}

type rawDeviceHealth struct {
	SilentAfter string `toml:"silent_after"`
}

func (h DeviceHealthConfig) raw() rawDeviceHealth {
	return rawDeviceHealth{SilentAfter: h.SilentAfter.String()}
}

func (r rawDeviceHealth) convert(p *configProblems) DeviceHealthConfig {
	h := DefaultDeviceHealthConfig()
	d, err := time.ParseDuration(r.SilentAfter)
	if err != nil {
		p.addf("device_health.silent_after", "%q is not a duration like \"90s\" or \"2m\"", r.SilentAfter)
		return h
	}
	h.SilentAfter = d
	return h
}

// Bounds of silent_after: above one beat of 30 seconds, below an hour.
const (
	minSilentAfter = 35 * time.Second
	maxSilentAfter = time.Hour
)

func (h DeviceHealthConfig) validate() []error {
	var p configProblems
	if h.SilentAfter < minSilentAfter || h.SilentAfter > maxSilentAfter {
		p.addf("device_health.silent_after", "%s is not from %s to %s (devices beat every 30s)", h.SilentAfter, minSilentAfter, maxSilentAfter)
	}
	return p.errs
}

// deviceView is device d's health at now, by its last heartbeat.
func (c *Controller) deviceView(d Device, now time.Time) deviceView {
	v := deviceView{Name: d.Name, Role: d.Role, Counter: d.Counter, State: "never"}
	if s, ok := c.devices.get(d.Name); ok {
		seen := s.Seen.UTC()
		v.LastSeen, v.Printer, v.Detail, v.Version = &seen, s.Printer, s.Detail, s.Version
		v.State = s.Status
		if now.Sub(s.Seen) > c.cfg.DeviceHealth.SilentAfter {
			v.State = "offline"
		}
	}
	return v
}

// speaks clears device's silent mark and reports whether it had one: the
// device is heard from again.
func (d *deviceHealth) speaks(device string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	was := d.silent[device]
	delete(d.silent, device)
	return was
}

// markSilent marks the devices whose last heartbeat is older than after,
// and returns those that were not marked yet, with their last heartbeat.
// Devices never heard from are not silent: they never spoke.
func (d *deviceHealth) markSilent(devices []Device, now time.Time, after time.Duration) (newly []Device, seen []time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dev := range devices {
		s, ok := d.last[dev.Name]
		if !ok || now.Sub(s.Seen) <= after || d.silent[dev.Name] {
			continue
		}
		if d.silent == nil {
			d.silent = map[string]bool{}
		}
		d.silent[dev.Name] = true
		newly, seen = append(newly, dev), append(seen, s.Seen)
	}
	return newly, seen
}

// checkSilentDevices logs, once, each device that went silent. The
// housekeeping loop calls it; postHeartbeat logs when one speaks again.
func (c *Controller) checkSilentDevices(now time.Time) {
	newly, seen := c.devices.markSilent(c.cfg.Devices, now, c.cfg.DeviceHealth.SilentAfter)
	for i, d := range newly {
		c.log.Warn("device silent", "device", d.Name, "role", d.Role, "location", d.Location,
			"last_seen", seen[i].UTC(), "silent_for", now.Sub(seen[i]).Round(time.Second))
	}
}

// devicesPageData is the /devices page: the devices of the locations the
// clerk works at.
type devicesPageData struct {
	Locations   []devicesLocation
	Silent      []deviceRow // every silent device, for the alert
	AsOf        string      // "12:03:15"
	SilentAfter string      // "1 min 30 s"
	Query       string      // "location=centrum" when one was chosen
}

type devicesLocation struct {
	ID, Name string
	Devices  []deviceRow
}

// deviceRow is one device as the page shows it, in the page's language.
type deviceRow struct {
	Name, Location string // the location in words
	Role           string // in words
	Counter        string // "1", or "" for the hall
	State          string // ok, degraded, error, offline, never: the row's class
	StateText      string // in words
	Problem        bool   // degraded, error or silent: shown in bold
	Detail         string // the device's own words
	Seen           string // time of the last heartbeat, "12:01:45" today or "2026-11-23 16:00"
	Ago            string // "2 min 15 s temu"
	Version        string
	Printer        string // in words; "" for devices without one
	PrinterProblem bool
}

// devicesPage shows the health of the devices to any logged-in clerk:
// those of the locations the clerk works at, or of ?location=.
func (c *Controller) devicesPage(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	text := pageTexts[pageLang(lang)]
	_, k, err := c.clerkSession(r)
	if err != nil {
		c.opsDenied(w, r, lang, "devices", err)
		return
	}
	locs := c.clerkLocations(k)
	query := ""
	if id := r.URL.Query().Get("location"); id != "" {
		l, ok := c.location(id)
		switch {
		case !ok:
			c.opsError(w, r, lang, "devices", k, http.StatusBadRequest, fillText(text["ops.err.location"], "{id}", id))
			return
		case !mayWorkAt(k, id):
			c.opsError(w, r, lang, "devices", k, http.StatusForbidden, fillText(text["ops.err.notYours"], "{name}", l.Name))
			return
		}
		locs, query = []*queue.Location{l}, "location="+id
	}
	now := c.clock.Now()
	data := &devicesPageData{SilentAfter: opsDuration(c.cfg.DeviceHealth.SilentAfter), Query: query}
	var tz *time.Location
	for _, l := range locs {
		if tz == nil {
			tz = l.TZ
		}
		dl := devicesLocation{ID: l.ID, Name: l.Name}
		var views []deviceView
		for _, d := range c.cfg.Devices {
			if d.Location == l.ID {
				views = append(views, c.deviceView(d, now))
			}
		}
		sort.Slice(views, func(i, j int) bool { return views[i].Name < views[j].Name })
		for _, v := range views {
			row := deviceRowOf(v, l, now, text)
			dl.Devices = append(dl.Devices, row)
			if v.State == "offline" {
				data.Silent = append(data.Silent, row)
			}
		}
		data.Locations = append(data.Locations, dl)
	}
	if tz == nil {
		tz = time.Local
	}
	data.AsOf = now.In(tz).Format("15:04:05")
	c.pages.Ops(w, r, lang, "devices", http.StatusOK, &opsPage{Staff: c.staff(k), Devices: data})
}

// deviceRowOf puts v in words, its times in the time of location l.
func deviceRowOf(v deviceView, l *queue.Location, now time.Time, text map[string]string) deviceRow {
	row := deviceRow{
		Name: v.Name, Location: l.Name, Role: text["role."+string(v.Role)], State: v.State,
		StateText: text["device."+v.State], Problem: v.State != "ok" && v.State != "never", Detail: v.Detail, Version: v.Version,
	}
	if row.Role == "" {
		row.Role = string(v.Role)
	}
	if row.StateText == "" {
		row.StateText = v.State
	}
	if v.Counter != 0 {
		row.Counter = strconv.Itoa(v.Counter)
	}
	if v.LastSeen != nil {
		seen := v.LastSeen.In(l.TZ)
		if seen.Format(time.DateOnly) == now.In(l.TZ).Format(time.DateOnly) {
			row.Seen = seen.Format("15:04:05")
		} else {
			row.Seen = seen.Format("2006-01-02 15:04")
		}
		row.Ago = fillText(text["dev.ago"], "{time}", opsDuration(now.Sub(*v.LastSeen)))
	}
	switch v.Printer {
	case "":
	case "ok":
		row.Printer = text["dev.printer.ok"]
	default:
		row.Printer, row.PrinterProblem = text["printer."+v.Printer], true
		if row.Printer == "" {
			row.Printer = v.Printer
		}
	}
	return row
}

// clerkLocations are the locations clerk k works at, in the configuration's
// order.
func (c *Controller) clerkLocations(k Clerk) []*queue.Location {
	var out []*queue.Location
	for i := range c.cfg.Branch.Locations {
		if l := &c.cfg.Branch.Locations[i]; mayWorkAt(k, l.ID) {
			out = append(out, l)
		}
	}
	return out
}

// opsDuration says a duration shortly, the same in Polish and English:
// "45 s", "12 min", "12 min 5 s", "1 h 5 min".
func opsDuration(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", s)
	case d < time.Hour && s == 0:
		return fmt.Sprintf("%d min", m)
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", m, s)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}
