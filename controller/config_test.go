package controller

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/numerek/numerek/queue"
)

const exampleConfigFile = "../configs/numerek.toml"

// configFieldLine is what every line of a validation error starts with: the
// field's path and a colon.
var configFieldLine = regexp.MustCompile(`^[a-z_]+(\[[0-9]+\])?(\.[a-z_0-9]+(\[[0-9]+\])?)*: `)

// wants returns the "# want: …" lines at the top of a test file.
func configWants(data []byte) []string {
	var w []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
			w = append(w, s)
		}
	}
	return w
}

// TestParseConfigFiles runs the files in testdata/config: good-*.toml must
// parse; bad-*.toml must fail with exactly the errors in their "# want:"
// lines, one line each, each naming the field.
func TestParseConfigFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/config/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("got %d files (%v), want some", len(files), err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".toml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := configWants(data)
			_, err = ParseConfig(data)
			if strings.HasPrefix(name, "good-") {
				if err != nil {
					t.Fatalf("got error\n%v\nwant none", err)
				}
				return
			}
			if len(want) == 0 {
				t.Fatalf("a bad case needs # want: lines")
			}
			if err == nil {
				t.Fatalf("got no error, want %q", want)
			}
			msg := err.Error()
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("got error\n%s\nwant it to contain %q", msg, w)
				}
			}
			if name == "bad-syntax" || name == "bad-type" {
				return // the TOML decoder's own message, with the line
			}
			lines := strings.Split(msg, "\n")
			if len(lines) != len(want) {
				t.Errorf("got %d error lines\n%s\nwant %d", len(lines), msg, len(want))
			}
			for _, l := range lines {
				if !configFieldLine.MatchString(l) {
					t.Errorf("got error line %q, want it to start with a field path", l)
				}
			}
		})
	}
}

func TestExampleConfig(t *testing.T) {
	c, err := LoadConfig(exampleConfigFile)
	if err != nil {
		t.Fatalf("got error\n%v\nwant none", err)
	}
	if len(c.Branch.Locations) < 4 {
		t.Errorf("got %d locations, want at least 4", len(c.Branch.Locations))
	}
	var silent []string
	for _, l := range c.Branch.Locations {
		if !l.Voice {
			silent = append(silent, l.ID)
		}
		if l.TZ == nil || l.TZ.String() != "Europe/Warsaw" {
			t.Errorf("location %s: got time zone %v, want Europe/Warsaw", l.ID, l.TZ)
		}
		if !configHasCounterAt(c.Branch.Counters, l.ID) {
			t.Errorf("location %s: got no counters, want some", l.ID)
		}
	}
	slices.Sort(silent)
	if want := []string{"copernicus", "plaza"}; !slices.Equal(silent, want) {
		t.Errorf("got voice off at %v, want exactly %v", silent, want)
	}
	for _, id := range []string{"plaza", "copernicus"} {
		if l := configLocation(c, id); l.Hours[time.Saturday].Closed() {
			t.Errorf("%s: got closed on Saturday, want open", id)
		}
	}
	booked := 0
	for _, k := range c.Branch.Counters {
		if k.Accepts == queue.AcceptsBooked {
			booked++
		}
	}
	if booked == 0 {
		t.Errorf("got no booked-only counter, want at least one")
	}

	for _, login := range []string{"anna", "jan"} {
		k, ok := c.Clerk(login)
		if !ok {
			t.Errorf("clerk %q: not found", login)
			continue
		}
		if err := bcrypt.CompareHashAndPassword([]byte(k.PasswordHash), []byte("numerek")); err != nil {
			t.Errorf("clerk %q: password \"numerek\": got %v, want it to match", login, err)
		}
		if cost, _ := bcrypt.Cost([]byte(k.PasswordHash)); cost != 10 {
			t.Errorf("clerk %q: got bcrypt cost %d, want 10", login, cost)
		}
	}
	if !slices.ContainsFunc(c.Clerks, func(k Clerk) bool { return k.Admin }) {
		t.Errorf("got no admin clerk, want one")
	}

	for _, l := range c.Branch.Locations {
		for _, role := range deviceRoles {
			token := "demo-" + l.ID + "-" + string(role)
			d, ok := c.Device(HashToken(token))
			if !ok {
				t.Errorf("token %q: no device", token)
				continue
			}
			if d.Location != l.ID || d.Role != role || d.Counter != 0 {
				t.Errorf("token %q: got device %s (%s at %s, counter %d), want %s at %s", token, d.Name, d.Role, d.Location, d.Counter, role, l.ID)
			}
		}
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := LoadConfig("testdata/config/good-minimal.toml")
	if err != nil {
		t.Fatal(err)
	}
	l := c.Branch.Locations[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"database", c.Database, "numerek.db"},
		{"personal_data_days", c.PersonalDataDays, 30},
		{"session_hours", c.SessionHours, 12},
		{"rules", c.Branch.Rules, queue.DefaultRules()},
		{"timezone", l.TZ.String(), "Europe/Warsaw"},
		{"voice", l.Voice, true},
		{"hours.mon", l.Hours[time.Monday].String(), "08:00-18:00"},
		{"hours.sun", l.Hours[time.Sunday].String(), "closed"},
		{"services[0].name_en", c.Branch.Services[0].NameEN, "Rejestracja pojazdów"},
		{"services[0].duration", c.Branch.Services[0].Duration, 12 * time.Minute},
		{"services[0].bookable", c.Branch.Services[0].Bookable, false},
		{"services[1].bookable", c.Branch.Services[1].Bookable, true},
		{"counters", len(c.Branch.Counters), 2},
		{"counters[1].number", c.Branch.Counters[1].Number, 2},
		{"counters[1].order", c.Branch.Counters[1].Order, queue.OrderPriority},
		{"counters[1].accepts", c.Branch.Counters[1].Accepts, queue.AcceptsBoth},
		{"clerks[0].locations", len(c.Clerks[0].Locations), 0},
		{"devices[0].role", c.Devices[0].Role, RoleDispenser},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}

	c, err = LoadConfig("testdata/config/good-inline.toml")
	if err != nil {
		t.Fatal(err)
	}
	l = c.Branch.Locations[0]
	checks = []struct {
		name      string
		got, want any
	}{
		{"public_url", c.PublicURL, "http://10.0.0.5:8080"},
		{"voice", l.Voice, false},
		{"hours.mon", l.Hours[time.Monday].String(), "00:00-24:00"},
		{"hours.tue", l.Hours[time.Tuesday].String(), "10:00-19:00"},
		{"hours.sat", l.Hours[time.Saturday].Closed(), true},
		{"services[0].duration", c.Branch.Services[0].Duration, 90 * time.Minute},
		{"counters[0].accepts", c.Branch.Counters[0].Accepts, queue.AcceptsBooked},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	path := "testdata/config/bad-many.toml"
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatalf("got no error, want some")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) < 2 {
		t.Errorf("got %d lines, want several", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, path+": ") {
			t.Errorf("got line %q, want it to start with %q", l, path+": ")
		}
	}

	missing := filepath.Join(t.TempDir(), "nothing.toml")
	_, err = LoadConfig(missing)
	if err == nil || !strings.Contains(err.Error(), missing) || !os.IsNotExist(innermostError(err)) {
		t.Errorf("got %v, want a not-exist error naming %s", err, missing)
	}

	_, err = LoadConfig("testdata/config/bad-syntax.toml")
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/config/bad-syntax.toml: ") {
		t.Errorf("got %v, want an error starting with the path", err)
	}
}

func innermostError(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

// validTestConfig is a small valid configuration built in Go.
func validTestConfig() Config {
	c := DefaultConfig()
	c.Branch.Locations = []queue.Location{{ID: "centrum", Name: "Centrum", TZ: time.UTC, Voice: true}}
	c.Branch.Services = []queue.Service{{Prefix: "A", NamePL: "Rejestracja pojazdów", Duration: 12 * time.Minute}}
	c.Branch.Counters = []queue.Counter{{Location: "centrum", Number: 1, Services: []string{"A"}}}
	c.Clerks = []Clerk{{Login: "anna", Name: "Anna Nowak", PasswordHash: "$2a$10$T38LBk2LCnzYHUZEimx11eWUx8P97n00fzRq3uLo3PI5tPa4.t.2y"}}
	c.Devices = []Device{{Name: "d1", Role: RoleDisplay, Location: "centrum", Counter: 1, TokenSHA256: HashToken("t1")}}
	return c
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"default has no locations", func(c *Config) { *c = DefaultConfig() }, "locations: at least one location is needed"},
		{"nil time zone", func(c *Config) { c.Branch.Locations[0].TZ = nil }, "locations[0].timezone: missing"},
		{"max calls", func(c *Config) { c.Branch.Rules.MaxCalls = 0 }, "rules.max_calls: 0 is not in 1-10"},
		{"listen", func(c *Config) { c.Listen = "localhost" }, `listen: "localhost" is not host:port`},
		{"listen port", func(c *Config) { c.Listen = "localhost:http" }, `listen: "localhost:http" has no port number`},
		{"public url slash", func(c *Config) { c.PublicURL = "http://x/" }, `public_url: "http://x/" must not end with '/'`},
		{"public url user", func(c *Config) { c.PublicURL = "https://a:b@x" }, `must not hold a user name or password`},
		{"public url host", func(c *Config) { c.PublicURL = "https:///kolejka" }, `public_url: "https:///kolejka" has no host`},
		{"database", func(c *Config) { c.Database = "" }, "database: missing"},
		{"login", func(c *Config) { c.Clerks[0].Login = "Anna" }, `clerks[0].login: "Anna" must be`},
		{"hash 2x", func(c *Config) { c.Clerks[0].PasswordHash = "$2x$" + c.Clerks[0].PasswordHash[4:] }, "clerks[0].password_hash: is not a bcrypt hash"},
		{"no token", func(c *Config) { c.Devices[0].TokenSHA256 = [32]byte{} }, "devices[0].token_sha256: missing"},
		{"device name", func(c *Config) { c.Devices[0].Name = "Display 1" }, `devices[0].name: "Display 1" must be`},
		{"device role", func(c *Config) { c.Devices[0].Role = "" }, `devices[0].role: "" is not one of`},
		{"no such counter", func(c *Config) { c.Devices[0].Counter = 2 }, `devices[0].counter: there is no counter 2 at "centrum"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validTestConfig()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDeviceAndClerk(t *testing.T) {
	c := validTestConfig()
	c.Devices = append(c.Devices, Device{Name: "d2", Role: RoleKiosk, Location: "centrum", TokenSHA256: HashToken("t2")})
	tests := []struct {
		token string
		want  string // device name, "" for none
	}{
		{"t1", "d1"},
		{"t2", "d2"},
		{"t3", ""},
		{"", ""},
	}
	for _, tt := range tests {
		d, ok := c.Device(HashToken(tt.token))
		if ok != (tt.want != "") || d.Name != tt.want {
			t.Errorf("Device(HashToken(%q)): got %q, %v, want %q", tt.token, d.Name, ok, tt.want)
		}
	}
	if _, ok := c.Device([32]byte{}); ok {
		t.Errorf("Device(zero): got a device, want none")
	}
	if k, ok := c.Clerk("anna"); !ok || k.Name != "Anna Nowak" {
		t.Errorf("Clerk(anna): got %q, %v, want Anna Nowak", k.Name, ok)
	}
	if _, ok := c.Clerk("Anna"); ok {
		t.Errorf("Clerk(Anna): got a clerk, want none")
	}
}

func TestHashToken(t *testing.T) {
	// sha256("demo-centrum-dispenser"), as in configs/numerek.toml.
	want := "e03f6b275405c9176c37f5be91943d1c83242784755acf666a58b0b5d3ddb2a4"
	got := HashToken("demo-centrum-dispenser")
	if hex.EncodeToString(got[:]) != want {
		t.Errorf("got %x, want %s", got, want)
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		in, want string // want "" means an error
	}{
		{"08:00-18:00", "08:00-18:00"},
		{" 07:30 - 15:30 ", "07:30-15:30"},
		{"10:00–19:00", "10:00-19:00"},
		{"00:00-24:00", "00:00-24:00"},
		{"", "closed"},
		{"closed", "closed"},
		{"Closed", "closed"},
		{"8:00-18:00", ""},
		{"08:00-18", ""},
		{"08:00", ""},
		{"24:00-24:00", ""},
		{"12:00-12:00", ""},
		{"18:00-08:00", ""},
		{"08:60-09:00", ""},
		{"08:00-25:00", ""},
		{"08.00-18.00", ""},
		{"08:00-18:00-20:00", ""},
	}
	for _, tt := range tests {
		h, err := parseHours(tt.in)
		got := h.String()
		if err != nil {
			got = ""
		}
		if got != tt.want {
			t.Errorf("parseHours(%q): got %q (%v), want %q", tt.in, got, err, tt.want)
		}
	}
}

func configHasCounterAt(cs []queue.Counter, loc string) bool {
	return slices.ContainsFunc(cs, func(c queue.Counter) bool { return c.Location == loc })
}

func configLocation(c Config, id string) queue.Location {
	for _, l := range c.Branch.Locations {
		if l.ID == id {
			return l
		}
	}
	return queue.Location{}
}
