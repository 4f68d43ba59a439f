package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BareBench is measurement support, not storage: a fresh bbolt file in
// which each Commit puts one 200-byte value (about one encoded event) in a
// plain db.Update. Timed next to Append, or next to a whole ticket issue,
// on the same disk and in the same run, it shows what numerek adds on top
// of bbolt's own fsync.
type BareBench struct {
	db *bolt.DB
	i  uint64
}

var bareBucket = []byte("bench")

// bareValue is the 200-byte value of a bare commit.
var bareValue = make([]byte, 200)

// NewBareBench creates the file at path, which must not exist. The caller
// removes it after Close.
func NewBareBench(path string) (*BareBench, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("store: bare bench: %s already exists", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("store: bare bench: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: bare bench: %w", err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bareBucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: bare bench: %w", err)
	}
	return &BareBench{db: db}, nil
}

// Commit makes one bare commit and returns how long it took.
func (b *BareBench) Commit() (time.Duration, error) {
	start := time.Now()
	b.i++
	err := b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bareBucket).Put(binary.BigEndian.AppendUint64(nil, b.i), bareValue)
	})
	if err != nil {
		return 0, fmt.Errorf("store: bare commit %d: %w", b.i, err)
	}
	return time.Since(start), nil
}

// Close closes the file.
func (b *BareBench) Close() error { return b.db.Close() }

// BenchBareCommit makes n bare commits in a new file at path and returns the
// latency of each.
func BenchBareCommit(path string, n int) ([]time.Duration, error) {
	b, err := NewBareBench(path)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	lat := make([]time.Duration, 0, n)
	for range n {
		d, err := b.Commit()
		if err != nil {
			return lat, err
		}
		lat = append(lat, d)
	}
	return lat, b.Close()
}
