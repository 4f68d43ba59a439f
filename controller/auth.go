package controller

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/numerek/numerek/queue"
)

const (
	sessionCookie = "numerek_session"
	deviceCookie  = "numerek_device"
	csrfHeader    = "X-CSRF-Token"
)

// session is a clerk's login, kept in the store under the SHA-256 of its
// cookie value, so that a copy of the database logs nobody in.
type session struct {
	Login   string            `json:"login"`
	CSRF    string            `json:"csrf"`
	Counter *queue.CounterRef `json:"counter,omitempty"`
	Expires time.Time         `json:"expires"`
	id      string            // store key
}

func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("controller: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// clerkSession returns the session of the request's cookie, or an
// unauthorized error.
func (c *Controller) clerkSession(r *http.Request) (*session, Clerk, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, Clerk{}, queue.Errorf(queue.EUnauthorized, "not logged in")
	}
	key := sessionKey(ck.Value)
	data, ok, err := c.db.Session(key, c.clock.Now())
	if err != nil {
		return nil, Clerk{}, err
	}
	if !ok {
		return nil, Clerk{}, queue.Errorf(queue.EUnauthorized, "session expired: log in again")
	}
	var s session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, Clerk{}, err
	}
	s.id = key
	clerk, ok := c.cfg.Clerk(s.Login)
	if !ok { // removed from the config since
		return nil, Clerk{}, queue.Errorf(queue.EUnauthorized, "clerk %q no longer exists", s.Login)
	}
	return &s, clerk, nil
}

func (c *Controller) saveSession(s *session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return c.db.PutSession(s.id, data, s.Expires)
}

// checkCSRF rejects a state-changing request with a session cookie unless it
// carries the session's CSRF token and comes from our own origin.
func checkCSRF(r *http.Request, s *session) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	got := r.Header.Get(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
		return queue.Errorf(queue.EForbidden, "missing or wrong %s header", csrfHeader)
	}
	return nil
}

// sameOrigin rejects a cookie-authenticated request sent by another site's
// page. Browsers send Origin (or Sec-Fetch-Site) with every POST.
func sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return queue.Errorf(queue.EForbidden, "cross-site request refused")
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		host := strings.TrimPrefix(strings.TrimPrefix(o, "http://"), "https://")
		if host != r.Host {
			return queue.Errorf(queue.EForbidden, "cross-origin request from %s refused", o)
		}
	}
	return nil
}

// device returns the device of the request's bearer token, or of its device
// cookie (a kiosk page), and whether it came by cookie.
func (c *Controller) device(r *http.Request) (Device, bool, error) {
	tok, cookie := "", false
	if h := r.Header.Get("Authorization"); h != "" {
		var ok bool
		tok, ok = strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return Device{}, false, queue.Errorf(queue.EUnauthorized, "Authorization must be \"Bearer <device token>\"")
		}
	} else if ck, err := r.Cookie(deviceCookie); err == nil && ck.Value != "" {
		tok, cookie = ck.Value, true
	} else {
		return Device{}, false, queue.Errorf(queue.EUnauthorized, "a device token is needed")
	}
	d, ok := c.cfg.Device(HashToken(tok))
	if !ok {
		return Device{}, false, queue.Errorf(queue.EUnauthorized, "unknown device token")
	}
	return d, cookie, nil
}

// authorizeDevice checks that the request comes from a device of one of the
// roles at location loc.
func (c *Controller) authorizeDevice(r *http.Request, loc string, roles ...DeviceRole) (Device, error) {
	d, cookie, err := c.device(r)
	if err != nil {
		return Device{}, err
	}
	if cookie && r.Method != http.MethodGet {
		if err := sameOrigin(r); err != nil {
			return Device{}, err
		}
	}
	allowed := false
	for _, role := range roles {
		allowed = allowed || d.Role == role
	}
	if !allowed {
		return Device{}, queue.Errorf(queue.EForbidden, "a %s device may not do this", d.Role)
	}
	if d.Location != loc {
		return Device{}, queue.Errorf(queue.EForbidden, "device %s belongs to %s, not %s", d.Name, d.Location, loc)
	}
	return d, nil
}

// checkPassword compares in constant time whether or not the login exists,
// so that timing does not tell which logins do.
func (c *Controller) checkPassword(login, password string) (Clerk, bool) {
	k, ok := c.cfg.Clerk(login)
	hash := []byte(k.PasswordHash)
	if !ok {
		hash = c.dummyHash
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	return k, ok && err == nil
}

// clientIP is the address of the peer (no proxy headers are trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
