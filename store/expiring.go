package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Values in the sessions and personal buckets start with a time (expiry or
// purge-after), 8 bytes: microseconds since the Unix epoch, big-endian, two's
// complement. The opaque data follows.
const timeLen = 8

func encodeTimed(t time.Time, data []byte) []byte {
	v := make([]byte, timeLen, timeLen+len(data))
	binary.BigEndian.PutUint64(v, uint64(t.UnixMicro()))
	return append(v, data...)
}

// decodeTimed splits a stored value. The data it returns aliases v.
func decodeTimed(v []byte) (time.Time, []byte, error) {
	if len(v) < timeLen {
		return time.Time{}, nil, fmt.Errorf("value of %d bytes, want at least %d", len(v), timeLen)
	}
	return time.UnixMicro(int64(binary.BigEndian.Uint64(v))), v[timeLen:], nil
}

// due reports whether something with time t (expiry, purge-after) is over at
// now: t is at or before now. Compared at the stored (microsecond) precision.
func due(t, now time.Time) bool {
	return t.UnixMicro() <= now.UnixMicro()
}

func putTimed(db *bolt.DB, bucket []byte, key string, data []byte, t time.Time) error {
	if key == "" {
		return errors.New("empty key")
	}
	if t.IsZero() {
		return errors.New("zero time")
	}
	v := encodeTimed(t, data)
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), v)
	})
}

// purgeDue deletes every value in bucket whose time is due at now and returns
// how many it deleted. also, when not nil, is called in the same
// transaction for each key deleted.
func purgeDue(db *bolt.DB, bucket []byte, now time.Time, also func(tx *bolt.Tx, key []byte) error) (int, error) {
	var n int
	err := db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		// Collect first: deleting while walking a cursor can skip keys.
		var old [][]byte
		err := b.ForEach(func(k, v []byte) error {
			t, _, err := decodeTimed(v)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			if due(t, now) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
			if also != nil {
				if err := also(tx, k); err != nil {
					return err
				}
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// PutSession stores (or replaces) a clerk's session: data is opaque (JSON
// chosen by the caller), valid until expires.
func (db *DB) PutSession(id string, data []byte, expires time.Time) error {
	if err := putTimed(db.bolt, bucketSessions, id, data, expires); err != nil {
		return fmt.Errorf("store: put session: %w", err)
	}
	return nil
}

// Session returns the data of session id, and false if there is no such
// session or it has expired at now; an expired session is deleted.
func (db *DB) Session(id string, now time.Time) ([]byte, bool, error) {
	var (
		data    []byte
		found   bool
		expired bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get([]byte(id))
		if v == nil {
			return nil
		}
		exp, d, err := decodeTimed(v)
		if err != nil {
			return err
		}
		if due(exp, now) {
			expired = true
			return nil
		}
		data, found = bytes.Clone(d), true
		if data == nil {
			data = []byte{}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: session: %w", err)
	}
	if expired {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketSessions)
			v := b.Get([]byte(id))
			if v == nil {
				return nil
			}
			// It may have been renewed since we looked.
			if exp, _, err := decodeTimed(v); err == nil && !due(exp, now) {
				return nil
			}
			return b.Delete([]byte(id))
		})
		if err != nil {
			return nil, false, fmt.Errorf("store: session: delete expired: %w", err)
		}
	}
	return data, found, nil
}

// DeleteSession deletes session id (a logout). Deleting a missing session is
// not an error.
func (db *DB) DeleteSession(id string) error {
	if id == "" {
		return nil
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSessions).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes every session expired at now and returns how many.
func (db *DB) PurgeSessions(now time.Time) (int, error) {
	n, err := purgeDue(db.bolt, bucketSessions, now, nil)
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	return n, nil
}

// PutPersonal stores (or replaces) the personal data of booking reference
// ref, to be deleted by PurgePersonal from purgeAfter on.
func (db *DB) PutPersonal(ref string, data []byte, purgeAfter time.Time) error {
	if err := putTimed(db.bolt, bucketPersonal, ref, data, purgeAfter); err != nil {
		return fmt.Errorf("store: put personal: %w", err)
	}
	return nil
}

// Personal returns the personal data of booking reference ref, and false if
// there is none. Data past its purge-after time is still returned until
// PurgePersonal has run.
func (db *DB) Personal(ref string) ([]byte, bool, error) {
	var (
		data  []byte
		found bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPersonal).Get([]byte(ref))
		if v == nil {
			return nil
		}
		_, d, err := decodeTimed(v)
		if err != nil {
			return err
		}
		data, found = bytes.Clone(d), true
		if data == nil {
			data = []byte{}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: personal: %w", err)
	}
	return data, found, nil
}

// PurgePersonal deletes all personal data whose purge-after time is at or
// before now and returns how many records it deleted.
func (db *DB) PurgePersonal(now time.Time) (int, error) {
	n, err := purgeDue(db.bolt, bucketPersonal, now, nil)
	if err != nil {
		return 0, fmt.Errorf("store: purge personal: %w", err)
	}
	return n, nil
}

// DeletePersonal deletes the personal data of ref at once, if there is any.
func (db *DB) DeletePersonal(ref string) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPersonal).Delete([]byte(ref))
	})
	if err != nil {
		return fmt.Errorf("store: delete personal: %w", err)
	}
	return nil
}

// PersonalPrefix calls fn for every record of personal data whose reference
// starts with prefix, in the order of the references, with data that fn may
// keep. An error from fn stops the walk and is returned.
func (db *DB) PersonalPrefix(prefix string, fn func(ref string, data []byte, purgeAfter time.Time) error) error {
	type rec struct {
		ref  string
		data []byte
		t    time.Time
	}
	var recs []rec
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPersonal).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			t, d, err := decodeTimed(v)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			recs = append(recs, rec{string(k), bytes.Clone(d), t})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: personal: %w", err)
	}
	// fn runs outside the transaction, so it may write.
	for _, r := range recs {
		if err := fn(r.ref, r.data, r.t); err != nil {
			return err
		}
	}
	return nil
}
