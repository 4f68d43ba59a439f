package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchBareCommit is measurement support, not storage: it creates a fresh
// bbolt file at path (which must not exist), makes n commits each putting
// one 200-byte value in a plain db.Update, and returns the latency of each
// commit. Compared with the latency of Append on the same disk, it shows what
// the store adds on top of bbolt's own fsync. The caller removes the file.
func BenchBareCommit(path string, n int) ([]time.Duration, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("store: bench bare commit: %s already exists", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("store: bench bare commit: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: bench bare commit: %w", err)
	}
	defer db.Close()
	bucket := []byte("bench")
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return nil, fmt.Errorf("store: bench bare commit: %w", err)
	}
	lat := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		if err := bareCommit(db, bucket, uint64(i)); err != nil {
			return lat, fmt.Errorf("store: bench bare commit %d: %w", i, err)
		}
		lat = append(lat, time.Since(start))
	}
	if err := db.Close(); err != nil {
		return lat, fmt.Errorf("store: bench bare commit: %w", err)
	}
	return lat, nil
}

// bareValue is the 200-byte value of a bare commit, about the size of one
// encoded queue.Event.
var bareValue = make([]byte, 200)

// bareCommit puts bareValue under key i in bucket in one db.Update.
func bareCommit(db *bolt.DB, bucket []byte, i uint64) error {
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put(binary.BigEndian.AppendUint64(nil, i), bareValue)
	})
}
