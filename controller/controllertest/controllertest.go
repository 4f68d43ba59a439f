// Package controllertest runs a real branch controller for the tests of
// other packages (devices, commands): open around the clock, in-process on
// loopback, on a temporary bbolt file and a fake clock. Its front can fail
// requests on demand and survive a restart of the controller behind it, so
// device tests can see what a LAN and a rebooting controller do to them.
package controllertest

import (
	_ "embed"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numerek/numerek/controller"
	"github.com/numerek/numerek/queue/queuetest"
)

//go:embed branch.toml
var branchConfig []byte

// Tokens of the devices in the branch.
const (
	DispenserToken = "demo-centrum-dispenser"
	KioskToken     = "demo-centrum-kiosk"
	Location       = "centrum"
)

// Branch is a running controller behind a front server.
type Branch struct {
	URL   string // the front's base URL
	Clock *queuetest.Clock

	t     testing.TB
	db    string
	ctl   atomic.Pointer[controller.Controller]
	down  atomic.Int32 // answer this many requests with 503
	front *httptest.Server
}

// Start runs the branch with its clock at now; it stops when the test ends.
func Start(t testing.TB, now time.Time) *Branch {
	t.Helper()
	b := &Branch{t: t, db: filepath.Join(t.TempDir(), "numerek.db"), Clock: queuetest.NewClock(now)}
	b.open()
	b.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.down.Load() > 0 {
			b.down.Add(-1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":{"code":"unavailable","message":"restarting"}}`))
			return
		}
		b.ctl.Load().Handler().ServeHTTP(w, r)
	}))
	b.URL = b.front.URL
	t.Cleanup(func() {
		b.front.Close()
		b.ctl.Load().Close()
	})
	return b
}

func (b *Branch) open() {
	b.t.Helper()
	cfg, err := controller.ParseConfig(branchConfig)
	if err != nil {
		b.t.Fatal(err)
	}
	cfg.Database = b.db
	c, err := controller.Open(cfg, controller.Options{Clock: b.Clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.t.Fatal(err)
	}
	b.ctl.Store(c)
}

// Controller returns the controller running now.
func (b *Branch) Controller() *controller.Controller { return b.ctl.Load() }

// Restart closes the controller and opens a new one on the same database,
// as a reboot would; the front's URL stays.
func (b *Branch) Restart() {
	b.t.Helper()
	if err := b.ctl.Load().Close(); err != nil {
		b.t.Fatal(err)
	}
	b.open()
}

// FailNext makes the front answer the next n requests with 503, as a
// controller that is restarting does.
func (b *Branch) FailNext(n int) { b.down.Store(int32(n)) }
