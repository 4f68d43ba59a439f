package devices

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestListenLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		ln, err := ListenLoopback(addr)
		if err != nil {
			if addr == "[::1]:0" && strings.Contains(err.Error(), "assign") {
				continue // no IPv6 here
			}
			t.Errorf("%s: %v", addr, err)
			continue
		}
		ln.Close()
	}
	for _, addr := range []string{":8090", "0.0.0.0:8090", "192.168.1.10:8090", "[::]:8090", "example.org:80", "8090"} {
		if ln, err := ListenLoopback(addr); err == nil {
			ln.Close()
			t.Errorf("%s: no error, want a refusal of a non-loopback address", addr)
		}
	}
}

func TestPressPage(t *testing.T) {
	presses := make(chan Press, 4)
	page := NewPressPage([]string{"A", "B"}, presses, PressPageOptions{
		Service: func(p string) (string, bool) { return map[string]string{"A": "Rejestracja pojazdów"}[p], p == "A" },
		State:   func() State { return State{LED: LEDReady, Last: "A007", Location: "BOM Centrum"} },
		Logger:  quiet,
	})
	srv := httptest.NewServer(page.Handler())
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`value="A">A – Rejestracja pojazdów</button>`, `value="B">B</button>`, "A007", "BOM Centrum"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}

	post := func(service string, header map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/press", strings.NewReader(url.Values{"service": {service}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tests := []struct {
		name    string
		service string
		header  map[string]string
		status  int
	}{
		{"curl", "a", nil, http.StatusAccepted},
		{"browser, same origin", "B", map[string]string{"Accept": "text/html", "Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
		{"cross-site post", "A", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", "A", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"DNS rebinding", "A", map[string]string{"Host": "evil.example"}, http.StatusForbidden},
		{"unknown service", "Z", nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if host, ok := h["Host"]; ok {
				req, _ := http.NewRequest("POST", srv.URL+"/press", strings.NewReader("service=A"))
				req.Host = host
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
				}
				return
			}
			if got := post(tt.service, h).StatusCode; got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
		})
	}
	close(presses)
	var got []string
	for p := range presses {
		if p.Source != "page" {
			t.Errorf("press from %q, want page", p.Source)
		}
		got = append(got, p.Service)
	}
	if strings.Join(got, "") != "AB" {
		t.Errorf("presses %v, want A then B", got)
	}
}

func TestPressPageServeStops(t *testing.T) {
	ln, err := ListenLoopback("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	page := NewPressPage([]string{"A"}, make(chan Press), PressPageOptions{Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- page.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

func TestReadKeys(t *testing.T) {
	presses := make(chan Press, 8)
	err := ReadKeys(context.Background(), strings.NewReader("a\nxb\n\nC\nd\n"), []string{"A", "B", "C"}, presses, nil)
	if err != nil {
		t.Fatal(err)
	}
	close(presses)
	var got string
	for p := range presses {
		got += p.Service
	}
	if got != "ABC" {
		t.Errorf("presses %q, want ABC", got)
	}
}
