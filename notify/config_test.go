package notify_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/numerek/numerek/notify"
	"github.com/numerek/numerek/notify/notifytest"
)

func TestConfigValidate(t *testing.T) {
	smsapi := notify.SMSConfig{Provider: "smsapi", TokenEnv: "SMSAPI_TOKEN"}
	smtp := notify.EmailConfig{Provider: "smtp", Host: "smtp.example.pl", From: "Urząd <bok@um.example.pl>",
		Username: "bok", PasswordEnv: "SMTP_PASSWORD"}
	tests := []struct {
		name   string
		change func(*notify.Config)
		want   []string // fields named in the error; none for a valid config
	}{
		{"default", func(*notify.Config) {}, nil},
		{"off", func(c *notify.Config) { c.SMS.Provider, c.Email.Provider = "off", "" }, nil},
		{"smsapi and smtp", func(c *notify.Config) { c.SMS, c.Email = smsapi, smtp }, nil},
		{"webhook", func(c *notify.Config) {
			c.SMS = notify.SMSConfig{Provider: "webhook", URL: "http://192.168.1.50:8080/sms", SecretEnv: "GW_SECRET"}
		}, nil},
		{"unknown providers", func(c *notify.Config) { c.SMS.Provider, c.Email.Provider = "twilio", "sendgrid" },
			[]string{"sms.provider", "email.provider"}},
		{"smsapi without token", func(c *notify.Config) { c.SMS = notify.SMSConfig{Provider: "smsapi"} }, []string{"sms.token"}},
		{"token twice", func(c *notify.Config) { c.SMS = smsapi; c.SMS.Token = "t" }, []string{"sms.token_env"}},
		{"bad env name", func(c *notify.Config) { c.SMS = smsapi; c.SMS.TokenEnv = "$TOKEN" }, []string{"sms.token_env"}},
		{"smsapi over http", func(c *notify.Config) { c.SMS = smsapi; c.SMS.URL = "http://api.smsapi.pl" }, []string{"sms.url"}},
		{"smsapi on loopback", func(c *notify.Config) { c.SMS = smsapi; c.SMS.URL = "http://127.0.0.1:9999" }, nil},
		{"webhook without URL or secret", func(c *notify.Config) { c.SMS = notify.SMSConfig{Provider: "webhook"} },
			[]string{"sms.url", "sms.secret"}},
		{"webhook URL not http", func(c *notify.Config) {
			c.SMS = notify.SMSConfig{Provider: "webhook", URL: "ftp://gw", Secret: "s"}
		}, []string{"sms.url"}},
		{"smtp without host or from", func(c *notify.Config) { c.Email = notify.EmailConfig{Provider: "smtp"} },
			[]string{"email.host", "email.from"}},
		{"host with port", func(c *notify.Config) { c.Email = smtp; c.Email.Host = "smtp.example.pl:587" }, []string{"email.host"}},
		{"bad port", func(c *notify.Config) { c.Email = smtp; c.Email.Port = 70000 }, []string{"email.port"}},
		{"bad from", func(c *notify.Config) { c.Email = smtp; c.Email.From = "bok@localhost" }, []string{"email.from"}},
		{"bad starttls", func(c *notify.Config) { c.Email = smtp; c.Email.StartTLS = "maybe" }, []string{"email.starttls"}},
		{"password in clear", func(c *notify.Config) { c.Email = smtp; c.Email.StartTLS = "off" }, []string{"email.starttls"}},
		{"relay in clear", func(c *notify.Config) {
			c.Email = notify.EmailConfig{Provider: "smtp", Host: "localhost", Port: 25, From: "bok@um.example.pl", StartTLS: "off"}
		}, nil},
		{"username without password", func(c *notify.Config) { c.Email = smtp; c.Email.PasswordEnv = "" }, []string{"email.password"}},
		{"password without username", func(c *notify.Config) { c.Email = smtp; c.Email.Username = "" }, []string{"email.username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := notify.DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one naming %v", tt.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("got %q, want %d error(s)", lines, len(tt.want))
			}
			for _, field := range tt.want {
				if !strings.Contains(err.Error(), field+": ") {
					t.Errorf("error %q does not name %s", err, field)
				}
			}
		})
	}
}

func TestNewFromTOMLAndEnvironment(t *testing.T) {
	fake := notifytest.NewSMSAPI(t, "from-env")
	srv := notifytest.NewSMTPServer(t, notifytest.SMTPOptions{Username: "bok", Password: "hasło-z-env"})
	doc := `
[sms]
provider = "smsapi"
token_env = "NUMEREK_SMSAPI_TOKEN"
from = "Urzad"
url = "` + fake.URL + `"

[email]
provider = "smtp"
host = "127.0.0.1"
port = ` + strconv.Itoa(srv.Port) + `
username = "bok"
password_env = "NUMEREK_SMTP_PASSWORD"
from = "Urząd Miasta <bok@um.example.pl>"
`
	cfg := notify.DefaultConfig()
	md, err := toml.Decode(doc, &cfg)
	if err != nil || len(md.Undecoded()) > 0 {
		t.Fatalf("decode: %v, undecoded %v", err, md.Undecoded())
	}
	env := map[string]string{"NUMEREK_SMSAPI_TOKEN": "from-env", "NUMEREK_SMTP_PASSWORD": "hasło-z-env"}
	r, outbox, err := notify.New(cfg, notify.Options{Getenv: func(k string) string { return env[k] }, TLS: srv.ClientTLS()})
	if err != nil {
		t.Fatal(err)
	}
	if outbox != nil {
		t.Error("got an outbox, want none")
	}
	if err := r.Send(context.Background(), notify.Message{To: phone(t, "600 700 800"), Text: "x"}); err != nil {
		t.Fatalf("SMS: %v", err)
	}
	if got := fake.Requests()[0].Form.Get("from"); got != "Urzad" {
		t.Errorf("got from %q, want Urzad", got)
	}
	if err := r.Send(context.Background(), notify.Message{To: email(t, "jan@example.com"), Subject: "Kod", Text: "x"}); err != nil {
		t.Fatalf("e-mail: %v", err)
	}
	if m := srv.Mails(); len(m) != 1 || !m[0].TLS || m[0].User != "bok" {
		t.Errorf("got %d mails, want one over TLS from bok", len(m))
	}

	delete(env, "NUMEREK_SMTP_PASSWORD")
	_, _, err = notify.New(cfg, notify.Options{Getenv: func(k string) string { return env[k] }})
	if err == nil || !strings.Contains(err.Error(), "email.password_env") || !strings.Contains(err.Error(), "NUMEREK_SMTP_PASSWORD") {
		t.Errorf("got %v, want an error naming email.password_env and the variable", err)
	}
	if err != nil && strings.Contains(err.Error(), "from-env") {
		t.Errorf("error %q shows a credential", err)
	}
}

func TestNewDefaultIsOneOutbox(t *testing.T) {
	r, outbox, err := notify.New(notify.DefaultConfig(), notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if outbox == nil || r.SMS != outbox || r.Email != outbox {
		t.Fatalf("got router %+v, outbox %p: want both kinds in the one outbox", r, outbox)
	}
	_ = r.Send(context.Background(), notify.Message{To: phone(t, "600 700 800"), Text: "Twój numer: A012"})
	_ = r.Send(context.Background(), notify.Message{To: email(t, "jan@example.com"), Subject: "Kod", Text: "482913"})
	if s, ok := outbox.Last("+48600700800"); !ok || s.Text != "Twój numer: A012" {
		t.Errorf("Last = %+v, %v; want the SMS", s, ok)
	}
	if n := len(outbox.Messages()); n != 2 {
		t.Errorf("got %d messages, want 2", n)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, _, err := notify.New(notify.Config{SMS: notify.SMSConfig{Provider: "smsapi"}}, notify.Options{})
	if err == nil || !strings.Contains(err.Error(), "sms.token") {
		t.Errorf("got %v, want an error naming sms.token", err)
	}
}

func TestRouter(t *testing.T) {
	o := notify.NewOutbox(10, nil, nil)
	r := &notify.Router{SMS: o}
	if !r.Sends(notify.Phone) || r.Sends(notify.Email) {
		t.Errorf("Sends: got phone %v email %v, want true false", r.Sends(notify.Phone), r.Sends(notify.Email))
	}
	if err := r.Send(context.Background(), notify.Message{To: phone(t, "600 700 800")}); err != nil {
		t.Errorf("SMS: %v", err)
	}
	err := r.Send(context.Background(), notify.Message{To: email(t, "jan@example.com")})
	if !errors.Is(err, notify.ErrNotConfigured) || !strings.Contains(err.Error(), "email") {
		t.Errorf("e-mail: got %v, want ErrNotConfigured naming email", err)
	}
	if err := r.Send(context.Background(), notify.Message{}); err == nil {
		t.Error("a contact of no kind: got no error")
	}
}
