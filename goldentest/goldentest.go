// Package goldentest compares what a test made with a golden file under
// testdata/, or rewrites the file when the test runs with -update. Each
// test package keeps its own -update flag and passes its value.
package goldentest

import (
	"bytes"
	"os"
	"testing"
	"unicode/utf8"
)

// textLimit is the size up to which a text that differs is shown whole.
const textLimit = 4 << 10

// Bytes compares got with the file at path, or writes got there when
// update is set. A difference is reported with both texts when they are
// short UTF-8, else with the offset of the first differing byte.
func Bytes(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	if len(got) <= textLimit && len(want) <= textLimit && utf8.Valid(got) && utf8.Valid(want) {
		t.Errorf("%s: got\n%s\nwant\n%s\n(run with -update if the change is intended, and review the diff)", path, got, want)
		return
	}
	at := 0
	for at < len(got) && at < len(want) && got[at] == want[at] {
		at++
	}
	t.Errorf("%s: got %d bytes, want %d; first difference at offset %d (run with -update if the change is intended, and review the diff)", path, len(got), len(want), at)
}
