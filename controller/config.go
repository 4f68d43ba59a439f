package controller

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a Pi may have no zoneinfo; locations name their zone

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/bcrypt"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/calendar"
	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/queue"
)

// Config is the branch controller's configuration: where it listens, the
// offices it runs (as a validated queue.Branch), the clerks who may log in
// and the devices that may connect. configs/numerek.toml is an example.
type Config struct {
	Listen           string // address of the HTTP server, ":8080"
	PublicURL        string // base of e-ticket and booking links, no trailing slash
	Database         string // path of the bbolt file
	PersonalDataDays int    // personal data is purged this many days after the visit
	SessionHours     int    // a clerk's login lasts this long

	Branch  queue.Branch
	Clerks  []Clerk
	Devices []Device
	Notify  notify.Config  // how SMS and e-mail are sent; the development outbox by default
	Booking booking.Config // the online booking; its Days and PersonalDataDays follow the rules above

	Stats        StatsConfig        // the manager's figures and the live wait alert
	Metrics      MetricsConfig      // who may read /metrics
	DeviceHealth DeviceHealthConfig // when a device counts as silent
}

// Clerk is a person who logs in to the clerk terminal.
type Clerk struct {
	Login        string
	Name         string
	PasswordHash string   // bcrypt, "$2a$…", "$2b$…" or "$2y$…"
	Locations    []string // where the clerk may work; empty means everywhere
	Admin        bool     // may use the administration pages (and the manager's)
	Manager      bool     // may see the office's figures at /manager
}

// DeviceRole is what a device on the hall's LAN does.
type DeviceRole string

// The device roles.
const (
	RoleDispenser DeviceRole = "dispenser" // ticket machine with a printer
	RoleDisplay   DeviceRole = "display"   // group screen, or a counter's own screen
	RoleAnnouncer DeviceRole = "announcer" // speakers
	RoleKiosk     DeviceRole = "kiosk"     // touch-screen ticket page in a browser
)

var deviceRoles = []DeviceRole{RoleDispenser, RoleDisplay, RoleAnnouncer, RoleKiosk}

// Device is one dispenser, display, announcer or kiosk. It authenticates
// with a bearer token; the configuration holds only the token's SHA-256.
type Device struct {
	Name        string
	Role        DeviceRole
	Location    string
	Counter     int // for a counter's own display: its number; 0 for a group display
	TokenSHA256 [32]byte
}

// DefaultConfig is the configuration before the file is read: the values a
// file may leave out. It has no locations, so it does not validate alone.
func DefaultConfig() Config {
	return Config{
		Listen:           ":8080",
		PublicURL:        "http://localhost:8080",
		Database:         "numerek.db",
		PersonalDataDays: 30,
		SessionHours:     12,
		Branch:           queue.Branch{Rules: queue.DefaultRules()},
		Notify:           notify.DefaultConfig(),
		Booking:          booking.DefaultConfig(),
		Stats:            DefaultStatsConfig(),
		Metrics:          DefaultMetricsConfig(),
		DeviceHealth:     DefaultDeviceHealthConfig(),
	}
}

// HashToken is the SHA-256 of a device token, the form the configuration
// keeps it in.
func HashToken(token string) [32]byte {
	return sha256.Sum256([]byte(token))
}

// Device returns the device whose token has the SHA-256 tokenSHA. It compares
// with every device in constant time.
func (c *Config) Device(tokenSHA [32]byte) (Device, bool) {
	var found Device
	ok := 0
	for _, d := range c.Devices {
		if subtle.ConstantTimeCompare(d.TokenSHA256[:], tokenSHA[:]) == 1 {
			found, ok = d, 1
		}
	}
	return found, ok == 1
}

// Clerk returns the clerk with the login.
func (c *Config) Clerk(login string) (Clerk, bool) {
	for _, k := range c.Clerks {
		if k.Login == login {
			return k, true
		}
	}
	return Clerk{}, false
}

// LoadConfig reads and parses the configuration file at path. Every error
// line starts with the path.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("load config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		if many, ok := err.(interface{ Unwrap() []error }); ok {
			var errs []error
			for _, e := range many.Unwrap() {
				errs = append(errs, fmt.Errorf("%s: %w", path, e))
			}
			return Config{}, errors.Join(errs...)
		}
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses a TOML configuration, fills in the defaults and
// validates it. It reports every problem it finds, one per line, each naming
// the field, such as
//
//	locations[2].hours.mon: "8:00-18" is not HH:MM-HH:MM
//
// Keys it does not know are errors.
func ParseConfig(data []byte) (Config, error) {
	d := DefaultConfig()
	raw := rawConfig{
		Listen:           d.Listen,
		PublicURL:        d.PublicURL,
		Database:         d.Database,
		PersonalDataDays: d.PersonalDataDays,
		SessionHours:     d.SessionHours,
		Rules: rawRules{
			MaxCalls:     d.Branch.Rules.MaxCalls,
			BookingDays:  int(d.Branch.Rules.BookingWindow / oneDay),
			BookedPrefix: d.Branch.Rules.BookedPrefix,
		},
		Notify: d.Notify,
		Booking: rawBooking{
			Lead:             d.Booking.Lead.String(),
			Hold:             d.Booking.Hold.String(),
			ActivePerContact: d.Booking.ActivePerContact,
			CodesPerContact:  d.Booking.CodesPerContact,
			CodesPerAddress:  d.Booking.CodesPerAddress,
			HoldsPerAddress:  d.Booking.HoldsPerAddress,
			CodesPerHour:     d.Booking.CodesPerHour,
		},
		Stats:        d.Stats.raw(),
		Metrics:      d.Metrics.raw(),
		DeviceHealth: d.DeviceHealth.raw(),
	}
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return Config{}, err
	}
	var p configProblems
	for _, path := range unknownKeys(data, md) {
		p.addf(path, "unknown key%s", keyHints[stripIndexes(path)])
	}
	c := raw.convert(&p)

	// Counters were checked block by block in convert, under the indexes
	// the file uses; the branch checks the rest. Time zones and durations
	// that failed to convert were reported, so stand-ins take their place
	// here and the branch goes on to the next problem.
	b := c.Branch
	b.Counters = nil
	b.Locations = slices.Clone(b.Locations)
	for i := range b.Locations {
		if b.Locations[i].TZ == nil {
			b.Locations[i].TZ = time.UTC
		}
	}
	b.Services = slices.Clone(b.Services)
	for i := range b.Services {
		if b.Services[i].Duration == 0 {
			b.Services[i].Duration = time.Minute
		}
	}
	p.add(b.Validate())
	p.add(c.validateOwn()...)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b error) int {
			return sectionRank(a) - sectionRank(b)
		})
		return Config{}, errors.Join(p.errs...)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks the whole configuration: the branch, then the server
// settings, clerks and devices. The errors, one per line, name the field.
func (c *Config) Validate() error {
	var p configProblems
	p.add(c.Branch.Validate())
	p.add(c.validateOwn()...)
	return errors.Join(p.errs...)
}

// validateOwn checks what queue.Branch.Validate does not.
func (c *Config) validateOwn() []error {
	var p configProblems
	if _, port, err := net.SplitHostPort(c.Listen); err != nil {
		p.addf("listen", "%q is not host:port", c.Listen)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		p.addf("listen", "%q has no port number", c.Listen)
	}
	if err := checkPublicURL(c.PublicURL); err != nil {
		p.addf("public_url", "%q %v", c.PublicURL, err)
	}
	if strings.TrimSpace(c.Database) == "" {
		p.addf("database", "missing")
	}
	if c.PersonalDataDays < 1 || c.PersonalDataDays > 3650 {
		p.addf("personal_data_days", "%d is not in 1-3650", c.PersonalDataDays)
	}
	if c.SessionHours < 1 || c.SessionHours > 168 {
		p.addf("session_hours", "%d is not in 1-168", c.SessionHours)
	}
	if err := c.Notify.Validate(); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			p.add(errors.New("notify." + line))
		}
	}
	p.add(c.Booking.Validate())
	p.add(c.Stats.validate()...)
	p.add(c.Metrics.validate()...)
	p.add(c.DeviceHealth.validate()...)

	locs := map[string]bool{}
	for _, l := range c.Branch.Locations {
		locs[l.ID] = true
	}
	logins := map[string]int{}
	for i, k := range c.Clerks {
		path := fmt.Sprintf("clerks[%d]", i)
		if !validLogin(k.Login) {
			p.addf(path+".login", "%q must be 1-32 lower-case letters, digits, '.', '_' or '-'", k.Login)
		} else if j, dup := logins[k.Login]; dup {
			p.addf(path+".login", "%q is already used by clerks[%d]", k.Login, j)
		} else {
			logins[k.Login] = i
		}
		if strings.TrimSpace(k.Name) == "" {
			p.addf(path+".name", "missing")
		}
		if err := checkBcrypt(k.PasswordHash); err != nil {
			p.addf(path+".password_hash", "%v", err)
		}
		for j, l := range k.Locations {
			if !locs[l] {
				p.addf(fmt.Sprintf("%s.locations[%d]", path, j), "unknown location %q", l)
			} else if slices.Index(k.Locations, l) < j {
				p.addf(fmt.Sprintf("%s.locations[%d]", path, j), "%q is listed twice", l)
			}
		}
	}

	names := map[string]int{}
	tokens := map[[32]byte]int{}
	for i, d := range c.Devices {
		path := fmt.Sprintf("devices[%d]", i)
		if !validDeviceName(d.Name) {
			p.addf(path+".name", "%q must be 1-64 lower-case letters, digits or '-'", d.Name)
		} else if j, dup := names[d.Name]; dup {
			p.addf(path+".name", "%q is already used by devices[%d]", d.Name, j)
		} else {
			names[d.Name] = i
		}
		if !slices.Contains(deviceRoles, d.Role) {
			p.addf(path+".role", "%q is not one of dispenser, display, announcer, kiosk", d.Role)
		}
		if !locs[d.Location] {
			p.addf(path+".location", "unknown location %q", d.Location)
		}
		if d.Counter != 0 {
			switch {
			case d.Role != RoleDisplay:
				p.addf(path+".counter", "only a display stands at a counter, not a %s", d.Role)
			case !hasCounter(c.Branch.Counters, d.Location, d.Counter):
				p.addf(path+".counter", "there is no counter %d at %q", d.Counter, d.Location)
			}
		}
		if d.TokenSHA256 == ([32]byte{}) {
			p.addf(path+".token_sha256", "missing")
		} else if j, dup := tokens[d.TokenSHA256]; dup {
			p.addf(path+".token_sha256", "same token as devices[%d]; every device needs its own", j)
		} else {
			tokens[d.TokenSHA256] = i
		}
	}
	return p.errs
}

func hasCounter(cs []queue.Counter, loc string, number int) bool {
	for _, c := range cs {
		if c.Location == loc && c.Number == number {
			return true
		}
	}
	return false
}

func checkPublicURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must start with http:// or https://")
	case u.Host == "" || u.Opaque != "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("must not hold a user name or password")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return errors.New("must not have a query or fragment")
	case strings.HasSuffix(u.Path, "/"):
		return errors.New("must not end with '/'")
	}
	return nil
}

func checkBcrypt(h string) error {
	if h == "" {
		return errors.New("missing")
	}
	if !strings.HasPrefix(h, "$2a$") && !strings.HasPrefix(h, "$2b$") && !strings.HasPrefix(h, "$2y$") {
		return errors.New("is not a bcrypt hash ($2a$, $2b$ or $2y$); see configs/README.md")
	}
	if len(h) != 60 {
		return fmt.Errorf("is %d characters long; a bcrypt hash has 60", len(h))
	}
	if _, err := bcrypt.Cost([]byte(h)); err != nil {
		return fmt.Errorf("is not a valid bcrypt hash: %v", err)
	}
	return nil
}

func validLogin(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func validDeviceName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// configSections are the file's top-level keys in the order errors are reported.
var configSections = []string{
	"listen", "public_url", "database", "personal_data_days", "session_hours",
	"rules", "locations", "services", "counters", "clerks", "devices", "booking", "notify",
	"stats", "metrics", "device_health",
}

// sectionRank orders an error "field: message" by its top-level key, so that
// the problems come in the order of the file; unknown keys come last.
func sectionRank(err error) int {
	path, _, _ := strings.Cut(err.Error(), ": ")
	top := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' })
	if len(top) == 0 {
		return len(configSections)
	}
	if i := slices.Index(configSections, top[0]); i >= 0 {
		return i
	}
	return len(configSections)
}

// configProblems collects errors of the form "field: message", one per field: a
// later error about a field that already has one is dropped, so that a value
// that failed to convert is not reported again by a check that saw the gap.
type configProblems struct {
	errs []error
	seen map[string]bool
}

func (p *configProblems) addf(path, format string, args ...any) {
	p.add(fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (p *configProblems) add(errs ...error) {
	for _, err := range errs {
		if err == nil {
			continue
		}
		path, _, _ := strings.Cut(err.Error(), ": ")
		if p.seen[path] {
			continue
		}
		if p.seen == nil {
			p.seen = map[string]bool{}
		}
		p.seen[path] = true
		p.errs = append(p.errs, err)
	}
}

// The file's shape. Fields left out of the file keep the values they were
// given before decoding.
type rawConfig struct {
	Listen           string        `toml:"listen"`
	PublicURL        string        `toml:"public_url"`
	Database         string        `toml:"database"`
	PersonalDataDays int           `toml:"personal_data_days"`
	SessionHours     int           `toml:"session_hours"`
	Rules            rawRules      `toml:"rules"`
	Locations        []rawLocation `toml:"locations"`
	Services         []rawService  `toml:"services"`
	Counters         []rawCounter  `toml:"counters"`
	Clerks           []rawClerk    `toml:"clerks"`
	Devices          []rawDevice   `toml:"devices"`
	Notify           notify.Config `toml:"notify"`
	Booking          rawBooking    `toml:"booking"`

	Stats        rawStats        `toml:"stats"`
	Metrics      rawMetrics      `toml:"metrics"`
	DeviceHealth rawDeviceHealth `toml:"device_health"`
}

type rawRules struct {
	MaxCalls     int    `toml:"max_calls"`
	BookingDays  int    `toml:"booking_days"`
	BookedPrefix string `toml:"booked_prefix"`
}

// rawBooking is the [booking] section: durations as "15m", limits as
// counts.
type rawBooking struct {
	Lead             string   `toml:"lead"`
	Hold             string   `toml:"hold"`
	ActivePerContact int      `toml:"active_per_contact"`
	CodesPerContact  int      `toml:"codes_per_contact"`
	CodesPerAddress  int      `toml:"codes_per_address"`
	HoldsPerAddress  int      `toml:"holds_per_address"`
	CodesPerHour     int      `toml:"codes_per_hour"`
	Closed           []string `toml:"closed"`
}

type rawLocation struct {
	ID       string            `toml:"id"`
	Name     string            `toml:"name"`
	Address  string            `toml:"address"`
	Timezone string            `toml:"timezone"`
	Voice    *bool             `toml:"voice"`
	Hours    map[string]string `toml:"hours"`
	Closed   []string          `toml:"closed"`
}

type rawService struct {
	Prefix   string `toml:"prefix"`
	NamePL   string `toml:"name_pl"`
	NameEN   string `toml:"name_en"`
	Duration string `toml:"duration"`
	Slot     string `toml:"slot"`
	Bookable bool   `toml:"bookable"`
}

type rawCounter struct {
	Location string   `toml:"location"`
	Number   *int     `toml:"number"`
	Numbers  []int    `toml:"numbers"`
	Services []string `toml:"services"`
	Order    string   `toml:"order"`
	Accepts  string   `toml:"accepts"`
}

type rawClerk struct {
	Login        string   `toml:"login"`
	Name         string   `toml:"name"`
	PasswordHash string   `toml:"password_hash"`
	Locations    []string `toml:"locations"`
	Admin        bool     `toml:"admin"`
	Manager      bool     `toml:"manager"`
}

type rawDevice struct {
	Name        string `toml:"name"`
	Role        string `toml:"role"`
	Location    string `toml:"location"`
	Counter     int    `toml:"counter"`
	TokenSHA256 string `toml:"token_sha256"`
}

const (
	oneDay          = 24 * time.Hour
	defaultTimezone = "Europe/Warsaw"
	maxBookingDays  = 366
	maxDuration     = 8 * time.Hour // "8h" in the message
)

// dayKeys are the keys of a location's hours, indexed by time.Weekday.
var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// keyHints explain the unknown keys people are likely to write.
var keyHints = map[string]string{
	"devices.token":     "; put the token's SHA-256 in token_sha256, never the token (see configs/README.md)",
	"clerks.password":   "; put a bcrypt hash in password_hash, never the password (see configs/README.md)",
	"locations.monday":  "; opening hours go in [locations.hours] as mon, tue, …",
	"services.name":     "; use name_pl and name_en",
	"counters.service":  "; use services = [\"A\", …]",
	"rules.max_recalls": "; use max_calls",
}

// convert turns the file's shape into a Config, reporting what does not
// convert. Counters are checked here, before numbers = […] expands, so that
// their errors carry the index of the block in the file.
func (r *rawConfig) convert(p *configProblems) Config {
	c := Config{
		Listen:           r.Listen,
		PublicURL:        strings.TrimRight(r.PublicURL, "/"),
		Database:         r.Database,
		PersonalDataDays: r.PersonalDataDays,
		SessionHours:     r.SessionHours,
		Notify:           r.Notify,
	}
	c.Branch.Rules = queue.DefaultRules()
	c.Branch.Rules.MaxCalls = r.Rules.MaxCalls
	c.Branch.Rules.BookedPrefix = r.Rules.BookedPrefix
	if r.Rules.BookingDays < 0 || r.Rules.BookingDays > maxBookingDays {
		p.addf("rules.booking_days", "%d is not in 0-%d", r.Rules.BookingDays, maxBookingDays)
	} else {
		c.Branch.Rules.BookingWindow = time.Duration(r.Rules.BookingDays) * oneDay
	}
	c.Booking = r.Booking.convert(p, r.Rules.BookingDays, r.PersonalDataDays)
	c.Stats = r.Stats.convert(p)
	c.Metrics = r.Metrics.convert(p)
	c.DeviceHealth = r.DeviceHealth.convert(p)

	locs := map[string]bool{}
	for i, rl := range r.Locations {
		path := fmt.Sprintf("locations[%d]", i)
		l := queue.Location{ID: rl.ID, Name: rl.Name, Address: rl.Address, Voice: true}
		locs[rl.ID] = true
		if strings.TrimSpace(rl.Name) == "" {
			p.addf(path+".name", "missing")
		}
		if rl.Voice != nil {
			l.Voice = *rl.Voice
		}
		tz := rl.Timezone
		if tz == "" {
			tz = defaultTimezone
		}
		if tz == "Local" {
			p.addf(path+".timezone", "%q depends on the machine; name a zone such as %q", tz, defaultTimezone)
		} else if loc, err := time.LoadLocation(tz); err != nil {
			p.addf(path+".timezone", "unknown time zone %q", tz)
		} else {
			l.TZ = loc
		}
		for _, wd := range []time.Weekday{1, 2, 3, 4, 5, 6, 0} {
			k := dayKeys[wd]
			if s, ok := rl.Hours[k]; ok {
				h, err := parseHours(s)
				if err != nil {
					p.addf(path+".hours."+k, "%v", err)
				}
				l.Hours[wd] = h
			}
		}
		for _, k := range sortedHourKeys(rl.Hours) {
			if !slices.Contains(dayKeys[:], k) {
				p.addf(path+".hours."+quoteKey(k), "unknown day; use mon, tue, wed, thu, fri, sat, sun")
			}
		}
		for j, s := range rl.Closed {
			d, err := calendar.ParseDate(s)
			if err != nil {
				p.addf(fmt.Sprintf("%s.closed[%d]", path, j), "%q is not a date like \"2026-12-31\"", s)
				continue
			}
			if c.Booking.Closed == nil {
				c.Booking.Closed = map[string][]calendar.Date{}
			}
			c.Booking.Closed[rl.ID] = append(c.Booking.Closed[rl.ID], d)
		}
		c.Branch.Locations = append(c.Branch.Locations, l)
	}

	svcs := map[string]bool{}
	for i, rs := range r.Services {
		path := fmt.Sprintf("services[%d]", i)
		s := queue.Service{Prefix: rs.Prefix, NamePL: rs.NamePL, NameEN: rs.NameEN, Bookable: rs.Bookable}
		svcs[rs.Prefix] = true
		if strings.TrimSpace(s.NamePL) == "" {
			p.addf(path+".name_pl", "missing")
		}
		if strings.TrimSpace(s.NameEN) == "" {
			s.NameEN = s.NamePL
		}
		switch d, err := time.ParseDuration(rs.Duration); {
		case rs.Duration == "":
			p.addf(path+".duration", "missing; write it like \"12m\"")
		case err != nil:
			p.addf(path+".duration", "%q is not a duration like \"12m\" or \"1h30m\"", rs.Duration)
		case d <= 0 || d > maxDuration:
			p.addf(path+".duration", "%q must be more than 0s and at most 8h", rs.Duration)
		default:
			s.Duration = d
		}
		if rs.Slot != "" {
			switch d, err := time.ParseDuration(rs.Slot); {
			case err != nil:
				p.addf(path+".slot", "%q is not a duration like \"20m\"", rs.Slot)
			case d < 5*time.Minute || d > maxDuration || d%time.Minute != 0:
				p.addf(path+".slot", "%q must be whole minutes from 5m to 8h", rs.Slot)
			default:
				if c.Booking.Slots == nil {
					c.Booking.Slots = map[string]time.Duration{}
				}
				c.Booking.Slots[rs.Prefix] = d
			}
		}
		c.Branch.Services = append(c.Branch.Services, s)
	}

	defined := map[string]int{} // "location/number" → index of the block
	for i, rc := range r.Counters {
		path := fmt.Sprintf("counters[%d]", i)
		if !locs[rc.Location] {
			p.addf(path+".location", "unknown location %q", rc.Location)
		}
		var numbers []int
		numPath := path + ".number"
		switch {
		case rc.Number != nil && rc.Numbers != nil:
			p.addf(path, "set number or numbers, not both")
		case rc.Number != nil:
			numbers = []int{*rc.Number}
		case len(rc.Numbers) > 0:
			numbers, numPath = rc.Numbers, path+".numbers"
		default:
			p.addf(path+".number", "missing")
		}
		for _, n := range numbers {
			key := fmt.Sprintf("%s/%d", rc.Location, n)
			if n < 1 || n > 999 {
				p.addf(numPath, "%d is not in 1-999", n)
			} else if j, dup := defined[key]; dup {
				p.addf(numPath, "counter %d at %q is already defined by counters[%d]", n, rc.Location, j)
			} else {
				defined[key] = i
			}
		}
		if len(rc.Services) == 0 {
			p.addf(path+".services", "a counter must serve at least one service")
		}
		for j, s := range rc.Services {
			if !svcs[s] {
				p.addf(fmt.Sprintf("%s.services[%d]", path, j), "unknown service %q", s)
			} else if slices.Index(rc.Services, s) < j {
				p.addf(fmt.Sprintf("%s.services[%d]", path, j), "%q is listed twice", s)
			}
		}
		order := queue.Order(rc.Order)
		switch order {
		case "":
			order = queue.OrderPriority
		case queue.OrderPriority, queue.OrderOldest:
		default:
			p.addf(path+".order", "%q is not %q or %q", rc.Order, queue.OrderPriority, queue.OrderOldest)
		}
		accepts := queue.Accepts(rc.Accepts)
		switch accepts {
		case "":
			accepts = queue.AcceptsBoth
		case queue.AcceptsBoth, queue.AcceptsWalkIn, queue.AcceptsBooked:
		default:
			p.addf(path+".accepts", "%q is not %q, %q or %q", rc.Accepts, queue.AcceptsBoth, queue.AcceptsWalkIn, queue.AcceptsBooked)
		}
		for _, n := range numbers {
			c.Branch.Counters = append(c.Branch.Counters, queue.Counter{
				Location: rc.Location,
				Number:   n,
				Services: slices.Clone(rc.Services),
				Order:    order,
				Accepts:  accepts,
			})
		}
	}

	for _, rk := range r.Clerks {
		c.Clerks = append(c.Clerks, Clerk{
			Login:        rk.Login,
			Name:         rk.Name,
			PasswordHash: rk.PasswordHash,
			Locations:    rk.Locations,
			Admin:        rk.Admin,
			Manager:      rk.Manager,
		})
	}

	for i, rd := range r.Devices {
		d := Device{Name: rd.Name, Role: DeviceRole(rd.Role), Location: rd.Location, Counter: rd.Counter}
		if rd.TokenSHA256 != "" {
			b, err := hex.DecodeString(rd.TokenSHA256)
			if err != nil || len(b) != len(d.TokenSHA256) {
				p.addf(fmt.Sprintf("devices[%d].token_sha256", i),
					"must be 64 hex digits, the SHA-256 of the device's token (see configs/README.md)")
			} else {
				copy(d.TokenSHA256[:], b)
			}
		}
		c.Devices = append(c.Devices, d)
	}
	return c
}

// convert reads the [booking] section; the window and the purge follow
// the rules' booking_days and personal_data_days.
func (r rawBooking) convert(p *configProblems, days, personalDays int) booking.Config {
	c := booking.DefaultConfig()
	c.Days, c.PersonalDataDays = days, personalDays
	for _, d := range []struct {
		field string
		s     string
		to    *time.Duration
	}{{"booking.lead", r.Lead, &c.Lead}, {"booking.hold", r.Hold, &c.Hold}} {
		v, err := time.ParseDuration(d.s)
		if err != nil {
			p.addf(d.field, "%q is not a duration like \"1h\" or \"15m\"", d.s)
			continue
		}
		*d.to = v
	}
	if c.MaxHold < c.Hold {
		c.MaxHold = 2 * c.Hold
	}
	c.ActivePerContact, c.CodesPerContact, c.CodesPerAddress = r.ActivePerContact, r.CodesPerContact, r.CodesPerAddress
	c.HoldsPerAddress, c.CodesPerHour = r.HoldsPerAddress, r.CodesPerHour
	for i, s := range r.Closed {
		d, err := calendar.ParseDate(s)
		if err != nil {
			p.addf(fmt.Sprintf("booking.closed[%d]", i), "%q is not a date like \"2026-12-31\"", s)
			continue
		}
		if c.Closed == nil {
			c.Closed = map[string][]calendar.Date{}
		}
		c.Closed[""] = append(c.Closed[""], d)
	}
	return c
}

// parseHours parses "HH:MM-HH:MM"; "" and "closed" are a closed day.
func parseHours(s string) (queue.Hours, error) {
	t := strings.TrimSpace(s)
	if t == "" || strings.EqualFold(t, "closed") {
		return queue.Hours{}, nil
	}
	open, closing, ok := strings.Cut(t, "-")
	if !ok {
		open, closing, ok = strings.Cut(t, "–") // an en dash, as printed on office doors
	}
	o, okO := parseClock(strings.TrimSpace(open))
	c, okC := parseClock(strings.TrimSpace(closing))
	if !ok || !okO || !okC {
		return queue.Hours{}, fmt.Errorf("%q is not HH:MM-HH:MM", s)
	}
	if c <= o {
		return queue.Hours{}, fmt.Errorf("%q closes before it opens", s)
	}
	return queue.Hours{Open: o, Close: c}, nil
}

// parseClock parses "HH:MM" from 00:00 to 24:00.
func parseClock(s string) (time.Duration, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

func sortedHourKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// unknownKeys names, with array indexes, the keys the decoder did not use:
// "locations[1].colour". Inside an unknown table only the table is named.
func unknownKeys(data []byte, md toml.MetaData) []string {
	undecoded := md.Undecoded()
	if len(undecoded) == 0 {
		return nil
	}
	unknown := map[string]bool{}
	for _, k := range undecoded {
		unknown[k.String()] = true
	}
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		tree = nil
	}
	var paths []string
	for _, k := range undecoded {
		if len(k) > 1 && unknown[k[:len(k)-1].String()] {
			continue
		}
		found := indexedPaths(tree, k, "")
		if len(found) == 0 {
			found = []string{k.String()}
		}
		for _, f := range found {
			if !slices.Contains(paths, f) {
				paths = append(paths, f)
			}
		}
	}
	return paths
}

// indexedPaths finds key in the decoded tree and spells out each place it
// occurs, with the index of every array of tables on the way.
func indexedPaths(node map[string]any, key []string, prefix string) []string {
	if len(key) == 0 || node == nil {
		return nil
	}
	child, ok := node[key[0]]
	if !ok {
		return nil
	}
	name := prefix + quoteKey(key[0])
	if len(key) == 1 {
		return []string{name}
	}
	var out []string
	switch v := child.(type) {
	case map[string]any:
		out = indexedPaths(v, key[1:], name+".")
	case []map[string]any:
		for i, el := range v {
			out = append(out, indexedPaths(el, key[1:], fmt.Sprintf("%s[%d].", name, i))...)
		}
	case []any:
		for i, el := range v {
			if m, ok := el.(map[string]any); ok {
				out = append(out, indexedPaths(m, key[1:], fmt.Sprintf("%s[%d].", name, i))...)
			}
		}
	}
	return out
}

func quoteKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return strconv.Quote(k)
		}
	}
	return k
}

// stripIndexes turns "devices[3].token" into "devices.token".
func stripIndexes(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}
