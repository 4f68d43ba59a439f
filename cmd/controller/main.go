// Command controller runs numerek's branch controller: the queue engine on
// its bbolt store, the LAN API for the devices and the web pages.
//
//	controller -config configs/numerek.toml
//	controller -check-config configs/numerek.toml
//	controller -config configs/numerek.toml -backup /var/backups/numerek.db  (also while it runs)
//	controller -new-token
//	echo 'secret' | controller -hash-password
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/numerek/numerek/controller"
	"github.com/numerek/numerek/sdnotify"
	"github.com/numerek/numerek/store"
)

func main() {
	m := NewMain()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "controller:", err)
		}
		os.Exit(1)
	}
}

// Main is the controller program, separate from main() so that a test can
// run it on :0 with a temporary directory.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Ready, when set, receives the address the server listens on.
	Ready func(addr string)

	config      string
	checkConfig string
	db          string
	listen      string
	backup      string
	newToken    bool
	hashPass    bool
	logLevel    string
}

// NewMain returns a Main on the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// ParseFlags reads the command line.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("controller", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&m.config, "config", "configs/numerek.toml", "configuration `file`")
	fs.StringVar(&m.checkConfig, "check-config", "", "check the configuration `file` and exit: non-zero with the problems when it is not valid")
	fs.StringVar(&m.db, "db", "", "bbolt database `path` (overrides the config's database)")
	fs.StringVar(&m.listen, "listen", "", "listen `address` (overrides the config's listen), e.g. 127.0.0.1:0")
	fs.StringVar(&m.backup, "backup", "", "write a consistent copy of the database (-db, else the config's) to `path` and exit; while a controller runs on it, the copy comes from that controller")
	fs.BoolVar(&m.newToken, "new-token", false, "print a new device token and the token_sha256 line for the config, and exit")
	fs.BoolVar(&m.hashPass, "hash-password", false, "read a password from standard input, print its bcrypt hash for the config, and exit")
	fs.StringVar(&m.logLevel, "log", "info", "log `level`: debug, info, warn or error")
	return fs.Parse(args)
}

// Run parses args and does what they say: by default, serve until ctx ends.
func (m *Main) Run(ctx context.Context, args []string) error {
	if err := m.ParseFlags(args); err != nil {
		return err
	}
	switch {
	case m.newToken:
		return m.printNewToken()
	case m.hashPass:
		return m.printPasswordHash()
	case m.checkConfig != "":
		if _, err := controller.LoadConfig(m.checkConfig); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s: OK\n", m.checkConfig)
		return nil
	case m.backup != "":
		return m.backupDatabase()
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.logLevel)); err != nil {
		return fmt.Errorf("-log: %w", err)
	}
	log := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))

	cfg, err := controller.LoadConfig(m.config)
	if err != nil {
		return err
	}
	if m.db != "" {
		cfg.Database = m.db
	}
	if m.listen != "" {
		cfg.Listen = m.listen
	}
	c, err := controller.Open(cfg, controller.Options{Logger: log})
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.printURLs(ln.Addr().String(), cfg)
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}
	log.Info("serving", "addr", ln.Addr().String(), "db", cfg.Database)
	// Under systemd (Type=notify): started now; stopping when ctx ends;
	// alive while /healthz answers, which needs the HTTP server and the
	// queue engine (a write stuck in the store holds the engine).
	if err := sdnotify.Ready(); err != nil {
		log.Warn("systemd notification", "err", err)
	}
	defer context.AfterFunc(ctx, func() { _ = sdnotify.Stopping() })()
	wctx, stopWatchdog := context.WithCancel(ctx)
	defer stopWatchdog()
	go sdnotify.WatchdogLoop(wctx, healthCheck(ln.Addr().String(), log))
	return c.Serve(ctx, ln)
}

// healthCheck returns the watchdog's check: GET /healthz at addr (over
// loopback when addr is a wildcard address) answers 200 within 5s.
func healthCheck(addr string, log *slog.Logger) func() error {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	client := &http.Client{Timeout: 5 * time.Second}
	return func() error {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("GET %s: %s", url, resp.Status)
			}
		}
		if err != nil {
			log.Error("health check failed: no watchdog ping", "err", err)
		}
		return err
	}
}

// backupDatabase writes a consistent copy of the database file to
// m.backup. A stopped controller's file is copied directly; while a
// controller runs on it (bbolt's lock), the copy is fetched from that
// controller on this machine (GET /backup/numerek.db), which takes it in
// one read transaction while it goes on serving. Either way the copy is
// opened and checked before the command says it is done.
func (m *Main) backupDatabase() error {
	path, listen := m.db, m.listen
	if path == "" || listen == "" {
		cfg, err := controller.LoadConfig(m.config)
		if err != nil {
			return err
		}
		if path == "" {
			path = cfg.Database
		}
		if listen == "" {
			listen = cfg.Listen
		}
	}
	// store.Open would create a missing file: an empty backup is no backup.
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("-backup: %w", err)
	}
	how := "copied"
	db, err := store.Open(path, store.ReadOnly(), store.WithLockTimeout(200*time.Millisecond))
	switch {
	case errors.Is(err, store.ErrLocked):
		how = "fetched from the running controller at " + listen
		if err := fetchBackup(listen, m.backup); err != nil {
			return fmt.Errorf("-backup: %s is in use, and the running controller did not hand out a copy: %w", path, err)
		}
	case err != nil:
		return fmt.Errorf("-backup: %w", err)
	default:
		err := db.BackupFile(m.backup)
		db.Close()
		if err != nil {
			return fmt.Errorf("-backup: %w", err)
		}
	}
	fi, err := os.Stat(m.backup)
	if err != nil {
		return fmt.Errorf("-backup: %w", err)
	}
	seqs, err := checkBackup(m.backup)
	if err != nil {
		return fmt.Errorf("-backup: the copy %s does not open: %w", m.backup, err)
	}
	fmt.Fprintf(m.Stdout, "%s: %s to %s (%d bytes; events: %s)\n", path, how, m.backup, fi.Size(), seqs)
	return nil
}

// fetchBackup asks the controller listening on listen (on this machine)
// for a copy of its database and writes it to path atomically.
func fetchBackup(listen, path string) error {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	cl := &http.Client{Timeout: 10 * time.Minute}
	resp, err := cl.Get("http://" + net.JoinHostPort(host, port) + "/backup/numerek.db")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /backup/numerek.db: %s", resp.Status)
	}
	return store.WriteBackupFile(path, func(w io.Writer) error {
		_, err := io.Copy(w, resp.Body)
		return err
	})
}

// checkBackup opens the copy at path, to read only, and says how many
// events each location has in it.
func checkBackup(path string) (string, error) {
	db, err := store.Open(path, store.ReadOnly())
	if err != nil {
		return "", err
	}
	defer db.Close()
	locs, err := db.Locations()
	if err != nil {
		return "", err
	}
	var parts []string
	for _, l := range locs {
		seq, err := db.LastSeq(l)
		if err != nil {
			return "", err
		}
		parts = append(parts, fmt.Sprintf("%s %d", l, seq))
	}
	if len(parts) == 0 {
		return "none", nil
	}
	return strings.Join(parts, ", "), nil
}

// printURLs tells a newcomer where to go. The kiosk link carries the demo
// kiosk token only when the config still has the demo tokens.
func (m *Main) printURLs(addr string, cfg controller.Config) {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	base := "http://" + net.JoinHostPort(host, port)
	fmt.Fprintf(m.Stdout, "numerek controller on %s\n", base)
	fmt.Fprintf(m.Stdout, "  %-18s %s/clerk\n", "clerk terminal", base)
	for _, d := range cfg.Devices {
		if d.Role != controller.RoleKiosk {
			continue
		}
		demo := "demo-" + d.Location + "-kiosk"
		if controller.HashToken(demo) == d.TokenSHA256 {
			fmt.Fprintf(m.Stdout, "  %-18s %s/kiosk?token=%s\n", "kiosk "+d.Location, base, demo)
		}
	}
	fmt.Fprintf(m.Stdout, "  %-18s %s/healthz\n", "health", base)
}

func (m *Main) printNewToken() error {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	sum := controller.HashToken(tok)
	fmt.Fprintf(m.Stdout, "token (for the device's config):  %s\n", tok)
	fmt.Fprintf(m.Stdout, "token_sha256 = %q  # for the controller's config\n", hex.EncodeToString(sum[:]))
	return nil
}

func (m *Main) printPasswordHash() error {
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		return fmt.Errorf("-hash-password: the password must have at least 8 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "password_hash = %q\n", h)
	return nil
}
