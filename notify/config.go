package notify

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// Config says how messages leave: text messages by one provider, e-mail
// by another. Credentials come from the config file or, better, from the
// environment (token_env, secret_env, password_env): never from the
// repository.
type Config struct {
	SMS   SMSConfig   `toml:"sms"`
	Email EmailConfig `toml:"email"`
}

// SMSConfig configures text messages.
type SMSConfig struct {
	Provider  string `toml:"provider"`   // "smsapi", "webhook", "outbox", or "off" (also when empty)
	Token     string `toml:"token"`      // smsapi: OAuth token; webhook: bearer token, optional
	TokenEnv  string `toml:"token_env"`  // the environment variable holding the token, instead
	From      string `toml:"from"`       // smsapi: the sender name; the account's default when empty
	URL       string `toml:"url"`        // smsapi: base URL, SMSAPIURL when empty; webhook: where to POST
	Secret    string `toml:"secret"`     // webhook: the key of the body's HMAC-SHA256 signature
	SecretEnv string `toml:"secret_env"` // the environment variable holding the secret, instead
}

// EmailConfig configures e-mail.
type EmailConfig struct {
	Provider    string `toml:"provider"`     // "smtp", "outbox", or "off" (also when empty)
	Host        string `toml:"host"`         // the SMTP server
	Port        int    `toml:"port"`         // 587 when 0
	Username    string `toml:"username"`     // AUTH PLAIN when set
	Password    string `toml:"password"`     // with username
	PasswordEnv string `toml:"password_env"` // the environment variable holding the password, instead
	From        string `toml:"from"`         // "Urząd Miasta <bok@um.example.pl>"
	StartTLS    string `toml:"starttls"`     // "required" (also when empty) or "off": no TLS, no credentials
}

// DefaultConfig keeps every message in the Outbox: nothing leaves the
// machine until a provider is configured.
func DefaultConfig() Config {
	return Config{SMS: SMSConfig{Provider: "outbox"}, Email: EmailConfig{Provider: "outbox", StartTLS: "required"}}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate checks c without reading the environment. Its errors, joined,
// name the field: "sms.token: missing".
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	secret := func(field, value, env string) {
		if value != "" && env != "" {
			bad(field+"_env", "set %s or %s_env, not both", field, field)
		}
		if env != "" && !envName.MatchString(env) {
			bad(field+"_env", "%q is not an environment variable's name", env)
		}
	}

	s := c.SMS
	secret("sms.token", s.Token, s.TokenEnv)
	secret("sms.secret", s.Secret, s.SecretEnv)
	switch s.Provider {
	case "", "off", "outbox":
	case "smsapi":
		if s.Token == "" && s.TokenEnv == "" {
			bad("sms.token", "missing: SMSAPI needs an OAuth token (or token_env)")
		}
		if s.URL != "" {
			if err := checkURL(s.URL, true); err != nil {
				bad("sms.url", "%q %v", s.URL, err)
			}
		}
	case "webhook":
		if s.URL == "" {
			bad("sms.url", "missing: the webhook needs a URL")
		} else if err := checkURL(s.URL, false); err != nil {
			bad("sms.url", "%q %v", s.URL, err)
		}
		if s.Secret == "" && s.SecretEnv == "" && s.Token == "" && s.TokenEnv == "" {
			bad("sms.secret", "missing: the webhook needs a secret or a token, for the gateway to know the request is ours")
		}
	default:
		bad("sms.provider", "%q is not one of smsapi, webhook, outbox, off", s.Provider)
	}

	e := c.Email
	secret("email.password", e.Password, e.PasswordEnv)
	switch e.Provider {
	case "", "off", "outbox":
	case "smtp":
		if e.Host == "" {
			bad("email.host", "missing")
		} else if strings.ContainsAny(e.Host, ":/ ") {
			bad("email.host", "%q is not a host name (the port goes in email.port)", e.Host)
		}
		if e.Port < 0 || e.Port > 65535 {
			bad("email.port", "%d is not a port number", e.Port)
		}
		if e.From == "" {
			bad("email.from", "missing")
		} else if a, err := mail.ParseAddress(e.From); err != nil {
			bad("email.from", "%q is not an e-mail address", e.From)
		} else if _, err := ParseEmail(a.Address); err != nil {
			bad("email.from", "%q: %v", e.From, err)
		}
		switch e.StartTLS {
		case "", "required":
			if e.Username != "" && e.Password == "" && e.PasswordEnv == "" {
				bad("email.password", "missing (or password_env) for username %q", e.Username)
			}
			if e.Username == "" && (e.Password != "" || e.PasswordEnv != "") {
				bad("email.username", "missing: a password is set")
			}
		case "off":
			if e.Username != "" || e.Password != "" || e.PasswordEnv != "" {
				bad("email.starttls", `"off" sends in clear: it cannot go with a username or password`)
			}
		default:
			bad("email.starttls", `%q is not "required" or "off"`, e.StartTLS)
		}
	default:
		bad("email.provider", "%q is not one of smtp, outbox, off", e.Provider)
	}
	return errors.Join(errs...)
}

// checkURL checks a provider's URL: http or https with a host; https only,
// unless the host is this machine, when httpsOnly.
func checkURL(s string, httpsOnly bool) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not an http(s)://host/… URL")
	}
	if httpsOnly && u.Scheme == "http" && !loopback(u.Hostname()) {
		return errors.New("must be https: it carries the token")
	}
	return nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// Options are what New takes besides the Config; zero values are the
// defaults.
type Options struct {
	Logger     *slog.Logger        // slog.Default when nil
	HTTP       *http.Client        // for SMSAPI and the webhook; DefaultHTTPClient when nil
	TLS        *tls.Config         // for SMTP's STARTTLS; system roots when nil
	Clock      Clock               // dates e-mail and outbox entries; the system clock when nil
	Getenv     func(string) string // reads the *_env variables; os.Getenv when nil
	OutboxSize int                 // messages the Outbox keeps; 100 when 0
}

// New validates cfg and builds its senders behind one Router. The Outbox
// is not nil when either kind is kept in it (both share one).
func New(cfg Config, o Options) (*Router, *Outbox, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("notify config: %w", err)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HTTP == nil {
		o.HTTP = DefaultHTTPClient()
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	var errs []error
	get := func(field, value, env string) string {
		if env == "" {
			return value
		}
		v := strings.TrimSpace(o.Getenv(env))
		if v == "" {
			errs = append(errs, fmt.Errorf("%s_env: the environment variable %s is not set", field, env))
		}
		return v
	}

	var r Router
	var outbox *Outbox
	kept := func() *Outbox {
		if outbox == nil {
			outbox = NewOutbox(o.OutboxSize, o.Clock, o.Logger.With("component", "notify"))
		}
		return outbox
	}
	s := cfg.SMS
	switch s.Provider {
	case "outbox":
		r.SMS = kept()
	case "smsapi":
		r.SMS = &SMSAPI{BaseURL: s.URL, Token: get("sms.token", s.Token, s.TokenEnv), From: s.From, HTTP: o.HTTP}
	case "webhook":
		r.SMS = &Webhook{URL: s.URL, Token: get("sms.token", s.Token, s.TokenEnv),
			Secret: get("sms.secret", s.Secret, s.SecretEnv), HTTP: o.HTTP}
	}
	e := cfg.Email
	switch e.Provider {
	case "outbox":
		r.Email = kept()
	case "smtp":
		r.Email = &SMTP{Host: e.Host, Port: e.Port, Username: e.Username,
			Password: get("email.password", e.Password, e.PasswordEnv), From: e.From,
			NoStartTLS: e.StartTLS == "off", TLS: o.TLS, Clock: o.Clock}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("notify config: %w", err)
	}
	return &r, outbox, nil
}
