// Package store keeps numerek's durable state in one bbolt file: the event
// log of every location (the source of truth the queue engine is rebuilt
// from), snapshots of each location's state, clerks' sessions and personal
// data of booked visits, kept apart so that it can be purged.
//
// Layout of the file (all top-level buckets are created once, at Open):
//
//	meta                     "format" → "1"
//	events/<location>        Seq (8-byte big-endian) → JSON of queue.Event
//	snapshots/<location>     Seq (8-byte big-endian) → opaque state bytes (latest 3 kept)
//	sessions                 session id → expiry (8 bytes) + opaque bytes
//	personal                 booking reference → purge-after time (8 bytes) + opaque bytes
//
// Every write is one db.Update and is fsync'd before the method returns.
// Bytes read inside a transaction are copied or decoded before it ends.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/numerek/numerek/queue"
)

// Names of the top-level buckets and of the format key.
var (
	bucketMeta      = []byte("meta")
	bucketEvents    = []byte("events")
	bucketSnapshots = []byte("snapshots")
	bucketSessions  = []byte("sessions")
	bucketPersonal  = []byte("personal")

	keyFormat   = []byte("format")
	formatValue = []byte("1")
)

// keepSnapshots is how many snapshots are kept per location.
const keepSnapshots = 3

// eventsPerRead is how many events Events decodes in one read transaction
// before it closes it and hands them to its callback.
const eventsPerRead = 512

// initialMmapSize is the address space mapped for the file at open. A
// commit that outgrows the map must wait for every read transaction to
// end before it maps again, so a long read (an online backup, a month's
// statistics) would hold up the next ticket. 256 MiB is years of a busy
// office's log; it is address space, not memory, and fits a 32-bit board.
const initialMmapSize = 256 << 20

// ErrLocked is returned (wrapped) by Open when another process holds the
// database file.
var ErrLocked = errors.New("database is locked by another process")

// DB is numerek's durable storage: one bbolt file. It is safe for concurrent
// use.
type DB struct {
	bolt *bolt.DB
	path string
}

type config struct {
	lockTimeout time.Duration
	readOnly    bool
}

// Option changes how Open opens the file.
type Option func(*config)

// WithLockTimeout sets how long Open waits for the file lock held by another
// process before it fails with ErrLocked (default 1s). It must be positive:
// zero would wait forever.
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.lockTimeout = d
		}
	}
}

// ReadOnly opens an existing file to read only, as it is: nothing is
// created or written, the file does not grow. For checking a backup.
func ReadOnly() Option {
	return func(c *config) { c.readOnly = true }
}

// Open opens (creating it with mode 0600 if needed) the database file at path
// and creates its buckets. If another process has the file open, Open fails
// within the lock timeout with an error wrapping ErrLocked.
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{lockTimeout: time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	bo := &bolt.Options{Timeout: cfg.lockTimeout, InitialMmapSize: initialMmapSize}
	if cfg.readOnly {
		bo.ReadOnly, bo.InitialMmapSize = true, 0
	}
	bdb, err := bolt.Open(path, 0o600, bo)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w (waited %v)", path, ErrLocked, cfg.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	prepare := bdb.Update
	if cfg.readOnly {
		prepare = bdb.View
	}
	err = prepare(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketEvents, bucketSnapshots, bucketSessions, bucketPersonal} {
			if cfg.readOnly {
				if tx.Bucket(name) == nil {
					return fmt.Errorf("no bucket %s: not a numerek database", name)
				}
				continue
			}
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch f := meta.Get(keyFormat); {
		case f == nil && cfg.readOnly:
			return fmt.Errorf("no format mark: not a numerek database")
		case f == nil:
			return meta.Put(keyFormat, formatValue)
		case !bytes.Equal(f, formatValue):
			return fmt.Errorf("unknown file format %q, want %q", f, formatValue)
		}
		return nil
	})
	if err != nil {
		bdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &DB{bolt: bdb, path: path}, nil
}

// Close closes the file. It waits for running transactions to finish.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path returns the path of the database file.
func (db *DB) Path() string { return db.path }

// seqKey is the key of sequence number seq: 8 bytes big-endian, so that
// bbolt's byte order is the numeric order.
func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}

// Append makes events durable: it writes them all in ONE read-write
// transaction and returns only after that transaction is committed (and
// fsync'd). It satisfies the queue engine's Journal.
//
// Each event must have a Location and a Seq exactly one past the last stored
// for that location (earlier events of the same call count), so that a bug can
// never leave a gap in the log or overwrite an event. If any event is refused,
// or ctx is done before the commit, nothing is written.
//
// Append deliberately uses db.Update, not db.Batch: Batch waits up to 10ms to
// gather other callers, which a lone clerk's click would pay on every call.
// Concurrent Appends are serialised by bbolt's single writer.
func (db *DB) Append(ctx context.Context, events []queue.Event) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: append: %w", err)
	}
	if len(events) == 0 {
		return nil
	}
	// Encode outside the transaction, so the writer lock is held briefly.
	values := make([][]byte, len(events))
	for i, e := range events {
		if e.Location == "" {
			return fmt.Errorf("store: append: event %d (seq %d): empty location", i, e.Seq)
		}
		v, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("store: append: encode event %s: %w", e.ID, err)
		}
		values[i] = v
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		top := tx.Bucket(bucketEvents)
		last := make(map[string]uint64) // location → last seq, in this transaction
		for i, e := range events {
			b, err := top.CreateBucketIfNotExists([]byte(e.Location))
			if err != nil {
				return fmt.Errorf("location %q: %w", e.Location, err)
			}
			prev, ok := last[e.Location]
			if !ok {
				prev = lastSeq(b)
			}
			if e.Seq != prev+1 {
				return fmt.Errorf("location %q: event seq %d, want %d (last stored %d)", e.Location, e.Seq, prev+1, prev)
			}
			if err := b.Put(seqKey(e.Seq), values[i]); err != nil {
				return fmt.Errorf("location %q: put seq %d: %w", e.Location, e.Seq, err)
			}
			last[e.Location] = e.Seq
		}
		// Last chance to give up: returning an error rolls everything back.
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("store: append: %w", err)
	}
	return nil
}

// lastSeq returns the largest sequence number in the events bucket b of a
// location, 0 if it is empty.
func lastSeq(b *bolt.Bucket) uint64 {
	k, _ := b.Cursor().Last()
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// Events calls fn for every event of loc with Seq > after, in order of Seq.
// An unknown location has no events. If fn returns an error, Events stops and
// returns that error unchanged.
//
// Events are read in chunks; fn is never called inside a transaction, so it
// may take its time or even call Append.
func (db *DB) Events(loc string, after uint64, fn func(queue.Event) error) error {
	for {
		chunk := make([]queue.Event, 0, eventsPerRead)
		err := db.bolt.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketEvents).Bucket([]byte(loc))
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.Seek(seqKey(after + 1)); k != nil && len(chunk) < eventsPerRead; k, v = c.Next() {
				seq := binary.BigEndian.Uint64(k)
				var e queue.Event
				if err := json.Unmarshal(v, &e); err != nil { // copies out of the mmap
					return fmt.Errorf("location %q: decode seq %d: %w", loc, seq, err)
				}
				if e.Seq != seq {
					return fmt.Errorf("location %q: event under key %d has seq %d", loc, seq, e.Seq)
				}
				chunk = append(chunk, e)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: events: %w", err)
		}
		for _, e := range chunk {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(chunk) < eventsPerRead {
			return nil
		}
		after = chunk[len(chunk)-1].Seq
	}
}

// LastSeq returns the sequence number of the last stored event of loc, 0 if
// it has none.
func (db *DB) LastSeq(loc string) (uint64, error) {
	var seq uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketEvents).Bucket([]byte(loc)); b != nil {
			seq = lastSeq(b)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: last seq: %w", err)
	}
	return seq, nil
}

// Locations returns the locations that have events or snapshots, sorted.
func (db *DB) Locations() ([]string, error) {
	var locs []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketEvents, bucketSnapshots} {
			err := tx.Bucket(name).ForEachBucket(func(k []byte) error {
				locs = append(locs, string(k)) // string() copies
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: locations: %w", err)
	}
	slices.Sort(locs)
	return slices.Compact(locs), nil
}

// SaveSnapshot stores data, the opaque state of loc after the event with
// sequence number seq, and drops all but the latest 3 snapshots of loc.
func (db *DB) SaveSnapshot(loc string, seq uint64, data []byte) error {
	if loc == "" {
		return errors.New("store: save snapshot: empty location")
	}
	if seq == 0 {
		return fmt.Errorf("store: save snapshot %q: seq 0", loc)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketSnapshots).CreateBucketIfNotExists([]byte(loc))
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(seq), data); err != nil {
			return err
		}
		// Collect the keys to drop first: deleting while walking a cursor
		// can skip keys.
		var old [][]byte
		c := b.Cursor()
		n := 0
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if n++; n > keepSnapshots {
				old = append(old, bytes.Clone(k))
			}
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save snapshot %q seq %d: %w", loc, seq, err)
	}
	return nil
}

// LatestSnapshot returns the newest snapshot of loc and the sequence number
// it was taken at; seq 0 and nil data when loc has none.
func (db *DB) LatestSnapshot(loc string) (seq uint64, data []byte, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSnapshots).Bucket([]byte(loc))
		if b == nil {
			return nil
		}
		k, v := b.Cursor().Last()
		if k == nil {
			return nil
		}
		seq = binary.BigEndian.Uint64(k)
		data = bytes.Clone(v)
		if data == nil {
			data = []byte{}
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("store: latest snapshot %q: %w", loc, err)
	}
	return seq, data, nil
}
