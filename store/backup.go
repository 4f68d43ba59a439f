package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database file to w, while
// other goroutines go on writing: the copy is the file as one read
// transaction sees it, so it holds every event committed before the backup
// began and none after. It returns the number of bytes written.
//
// Writes go on during a backup, except when the file must grow: bbolt
// then waits for open read transactions, this one included, to end. A
// slow w therefore delays the controller only on the rare commit that
// grows the file.
//
// Another process cannot take a backup of a file that is open: bbolt
// locks it (a read-only open waits for the lock too). The running
// controller's own *DB must do it; see docs/operations.md.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

// Size is how many bytes the database's data takes: what a backup copies.
// The file itself is larger, and sparse: it is grown ahead in big steps.
func (db *DB) Size() (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the database (see Backup) to
// path with WriteBackupFile. path must not be the database itself.
func (db *DB) BackupFile(path string) error {
	if same, err := sameFile(path, db.path); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	} else if same {
		return fmt.Errorf("store: backup to %s: that is the database itself", path)
	}
	return WriteBackupFile(path, func(w io.Writer) error {
		_, err := db.Backup(w)
		return err
	})
}

// WriteBackupFile writes a backup to path atomically: write fills
// path+".tmp" (mode 0600: the file holds personal data), which is synced to
// disk, renamed to path, and the directory synced, so that path is either
// the old file or the whole new copy, even after a power cut. It is also
// how a copy fetched from a running controller is written.
func WriteBackupFile(path string, write func(io.Writer) error) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// O_TRUNC keeps the mode of a file left by an earlier failed backup.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: backup: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: backup: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("store: backup: sync the directory of %s: %w", path, err)
	}
	return nil
}

// sameFile reports whether a and b are the same file; a file that does
// not exist is no other file.
func sameFile(a, b string) (bool, error) {
	ai, err := os.Stat(a)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	bi, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ai, bi), nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
