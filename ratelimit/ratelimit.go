// Package ratelimit counts attempts per key in a sliding time window: logins
// per address, codes per phone number, notifications per contact. Time is
// passed in, so rules that depend on it are tested on a fake clock.
package ratelimit

import (
	"sync"
	"time"
)

// maxKeys is how many keys a Window keeps before it forgets the idle ones,
// so that many addresses or numbers cannot make it grow without bound.
const maxKeys = 10000

// Window allows at most Max attempts per key within a sliding window. It is
// safe for concurrent use. Its state is in memory: a restart forgets it.
type Window struct {
	max    int
	window time.Duration

	mu   sync.Mutex
	hits map[string][]time.Time
}

// New returns a Window of at most max attempts per key in window.
func New(max int, window time.Duration) *Window {
	return &Window{max: max, window: window, hits: map[string][]time.Time{}}
}

// Allow records an attempt for key at now and reports whether it is within
// the limit. An attempt over the limit is not recorded.
func (l *Window) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) > maxKeys {
		for k, h := range l.hits {
			if len(h) == 0 || now.Sub(h[len(h)-1]) > l.window {
				delete(l.hits, k)
			}
		}
	}
	h := l.recent(key, now)
	if len(h) >= l.max {
		l.hits[key] = h
		return false
	}
	l.hits[key] = append(h, now)
	return true
}

// Remaining reports how many more attempts key may make at now.
func (l *Window) Remaining(key string, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(0, l.max-len(l.recent(key, now)))
}

// recent drops key's attempts older than the window and returns the rest.
func (l *Window) recent(key string, now time.Time) []time.Time {
	h := l.hits[key]
	i := 0
	for i < len(h) && now.Sub(h[i]) >= l.window {
		i++
	}
	return h[i:]
}
