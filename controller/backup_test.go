package controller

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/numerek/numerek/store"
)

// TestBackupDownload: this machine gets a copy of the database that opens
// and holds the tickets; another machine gets 403 and nothing.
func TestBackupDownload(t *testing.T) {
	tc := newTestController(t)
	tc.issue("A")
	tc.issue("B")
	tests := []struct {
		name   string
		remote string
		status int
	}{
		{"this machine", "127.0.0.1:40000", http.StatusOK},
		{"this machine, IPv6", "[::1]:40000", http.StatusOK},
		{"the LAN", "10.0.0.5:40000", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", backupPath, nil)
			r.RemoteAddr = tt.remote
			w := httptest.NewRecorder()
			tc.c.Handler().ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("got %d, want %d", w.Code, tt.status)
			}
			if tt.status != http.StatusOK {
				if w.Header().Get("Content-Disposition") != "" {
					t.Fatalf("a refused request got a file")
				}
				return
			}
			path := filepath.Join(t.TempDir(), "copy.db")
			if err := os.WriteFile(path, w.Body.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if seq, err := db.LastSeq("centrum"); err != nil || seq != tc.c.engine.Seq("centrum") {
				t.Fatalf("the copy's last event: %d, %v; want %d", seq, err, tc.c.engine.Seq("centrum"))
			}
		})
	}
}
