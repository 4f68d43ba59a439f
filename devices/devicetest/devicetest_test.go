package devicetest

import (
	"os"
	"testing"
)

func TestMemoryOfThisProcess(t *testing.T) {
	rss, peak, err := Memory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 || peak < rss {
		t.Fatalf("got rss %d, peak %d: want 0 < rss <= peak", rss, peak)
	}
	if _, _, err := Memory(-1); err == nil {
		t.Fatal("got no error for a process that does not exist")
	}
}

func TestSyncBuffer(t *testing.T) {
	var b SyncBuffer
	done := make(chan bool)
	go func() { b.Write([]byte("a")); done <- true }()
	b.Write([]byte("b"))
	<-done
	if got := b.String(); got != "ab" && got != "ba" {
		t.Fatalf("got %q, want both writes", got)
	}
}
