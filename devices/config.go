package devices

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/BurntSushi/toml"
)

// DecodeConfig decodes a device's TOML configuration into v, which holds
// the defaults. A key v has no field for is an error naming it: a misspelt
// key would otherwise silently leave a default.
func DecodeConfig(data []byte, v any) error {
	md, err := toml.Decode(string(data), v)
	if err != nil {
		return err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("unknown key(s): %s", strings.Join(keys, ", "))
	}
	return nil
}

// ParseConfig decodes a device's TOML configuration over c, its defaults,
// and checks the result with validate.
func ParseConfig[T any](data []byte, c T, validate func(*T) error) (T, error) {
	var zero T
	if err := DecodeConfig(data, &c); err != nil {
		return zero, err
	}
	if err := validate(&c); err != nil {
		return zero, err
	}
	return c, nil
}

// Version is the version a device reports: set (by -ldflags '-X
// main.version=…') when not empty, else the module's, else "dev".
func Version(set string) string {
	if set != "" {
		return set
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// LoadConfig reads the configuration file at path and parses it with
// parse; its errors start with the path.
func LoadConfig[T any](path string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	data, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("config: %w", err)
	}
	c, err := parse(data)
	if err != nil {
		return zero, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Program is a device command's Main: flags, a run until its context ends,
// and a close.
type Program interface {
	ParseFlags(args []string) error
	Run(ctx context.Context) error
	Close() error
}

// RunMain runs p as the process: it parses the command line, runs until
// SIGINT or SIGTERM, closes, and exits 1 after printing "name: error" when
// anything failed.
func RunMain(name string, p Program) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := p.ParseFlags(os.Args[1:])
	if err == nil {
		err = p.Run(ctx)
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, name+":", err)
		}
		os.Exit(1)
	}
}

// CommandLine is what every device command takes: -config FILE, -check
// and -log LEVEL.
type CommandLine struct {
	Config   string // the configuration file
	Check    bool   // check the file and exit
	LogLevel string
}

// Parse reads the command line args of command name; defaultConfig is
// -config's default.
func (c *CommandLine) Parse(name, defaultConfig string, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Config, "config", defaultConfig, "configuration `file`")
	fs.BoolVar(&c.Check, "check", false, "check the configuration file and exit")
	fs.StringVar(&c.LogLevel, "log", "info", "log `level`: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (the config file goes after -config)", fs.Args())
	}
	return nil
}

// ParseCommand reads the command line of device command name (-config's
// default is configs/devices/<name>.toml) and loads the configuration file
// it names with load.
func ParseCommand[T any](cl *CommandLine, name string, stderr io.Writer, args []string, load func(string) (T, error)) (T, error) {
	if err := cl.Parse(name, "configs/devices/"+name+".toml", stderr, args); err != nil {
		var zero T
		return zero, err
	}
	return load(cl.Config)
}

// Start begins a device command's run: with -check it says the file is
// good on stdout and checked is true (the command is done); otherwise it
// returns the logger, writing to stderr.
func (c *CommandLine) Start(stdout, stderr io.Writer) (log *slog.Logger, checked bool, err error) {
	if c.Check {
		fmt.Fprintf(stdout, "%s: OK\n", c.Config)
		return nil, true, nil
	}
	log, err = c.Logger(stderr)
	return log, false, err
}

// Logger is the command's structured logger at the chosen level, writing
// to w.
func (c *CommandLine) Logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("-log: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), nil
}

var locationID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// CheckLink checks what every device's configuration has: the
// controller's URL, the device token and the location. Each error names
// its field.
func CheckLink(controller, token, location string) []error {
	var errs []error
	if controller == "" {
		errs = append(errs, errors.New("controller: missing: the controller's URL, e.g. http://192.168.10.2:8080"))
	} else if _, err := controllerURL(controller); err != nil {
		errs = append(errs, fmt.Errorf("controller: %q is not an http:// or https:// URL with a host", controller))
	}
	if token == "" {
		errs = append(errs, errors.New("token: missing: the device token the controller's config has the hash of"))
	}
	if !locationID.MatchString(location) {
		errs = append(errs, fmt.Errorf("location: %q is not a location id (lower-case letters, digits and dashes, e.g. centrum)", location))
	}
	return errs
}
