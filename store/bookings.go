package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The online booking keeps one record per booking (held, confirmed,
// cancelled…) in its own bucket, opaque to the store, and the person's name
// and contact apart from it, in the personal bucket under
// BookingPersonalRef. Both carry the same purge-after time.
var bucketBookings = []byte("bookings")

// BookingPersonalRef is the reference of booking id's personal data.
func BookingPersonalRef(id string) string { return "booking/" + id }

// BookingWrite is one change of a booking, written in one transaction.
type BookingWrite struct {
	ID         string
	Record     []byte    // the booking's record, replacing the stored one
	Personal   []byte    // when not nil, the person's data, replacing the stored
	Forget     bool      // delete the person's data now (Personal must be nil)
	PurgeAfter time.Time // both are deleted by PurgeBookings from then on
}

// PutBooking writes w: the record and the personal data (or their
// deletion) together, so that a crash never leaves one without the other.
func (db *DB) PutBooking(w BookingWrite) error {
	switch {
	case w.ID == "":
		return fmt.Errorf("store: put booking: empty id")
	case w.PurgeAfter.IsZero():
		return fmt.Errorf("store: put booking %s: zero purge time", w.ID)
	case w.Forget && w.Personal != nil:
		return fmt.Errorf("store: put booking %s: personal data given and forgotten at once", w.ID)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketBookings)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(w.ID), encodeTimed(w.PurgeAfter, w.Record)); err != nil {
			return err
		}
		ref := []byte(BookingPersonalRef(w.ID))
		switch {
		case w.Forget:
			return tx.Bucket(bucketPersonal).Delete(ref)
		case w.Personal != nil:
			return tx.Bucket(bucketPersonal).Put(ref, encodeTimed(w.PurgeAfter, w.Personal))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put booking %s: %w", w.ID, err)
	}
	return nil
}

// Bookings calls fn for every stored booking, in the order of the ids, with
// its record and its personal data (nil when there is none), which fn may
// keep. An error from fn stops the walk and is returned.
func (db *DB) Bookings(fn func(id string, record, personal []byte) error) error {
	type rec struct {
		id               string
		record, personal []byte
	}
	var recs []rec
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBookings)
		if b == nil {
			return nil
		}
		people := tx.Bucket(bucketPersonal)
		return b.ForEach(func(k, v []byte) error {
			_, d, err := decodeTimed(v)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			r := rec{id: string(k), record: bytes.Clone(d)}
			if pv := people.Get([]byte(BookingPersonalRef(string(k)))); pv != nil {
				_, pd, err := decodeTimed(pv)
				if err != nil {
					return fmt.Errorf("personal data of %q: %w", k, err)
				}
				r.personal = append([]byte{}, pd...)
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("store: bookings: %w", err)
	}
	for _, r := range recs {
		if err := fn(r.id, r.record, r.personal); err != nil {
			return err
		}
	}
	return nil
}

// PurgeBookings deletes every booking record whose purge time is at or
// before now, with its personal data, and returns how many records it
// deleted.
func (db *DB) PurgeBookings(now time.Time) (int, error) {
	n, err := purgeDue(db.bolt, bucketBookings, now, func(tx *bolt.Tx, id []byte) error {
		return tx.Bucket(bucketPersonal).Delete([]byte(BookingPersonalRef(string(id))))
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge bookings: %w", err)
	}
	return n, nil
}
