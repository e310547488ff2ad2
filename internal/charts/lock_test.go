//go:build unix

package charts_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vdirender/vdirender/internal/charts"
)

// TestLockWriteStaysInPackage: a lock file that is a link out of the
// package is not written through, whatever the package walk let in.
func TestLockWriteStaysInPackage(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("untouched\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, charts.LockFileName)); err != nil {
		t.Fatal(err)
	}
	if err := charts.NewLock().Write(dir); err == nil {
		t.Error("Write followed a link out of the package")
	}
	if b, _ := os.ReadFile(victim); string(b) != "untouched\n" {
		t.Errorf("the file the link points at changed: %q", b)
	}
	if _, err := charts.ReadLock(dir); err == nil {
		t.Error("ReadLock read through a link")
	}
	// A plain lock is written and read back.
	plain := t.TempDir()
	if err := charts.NewLock().Write(plain); err != nil {
		t.Fatal(err)
	}
	if _, err := charts.ReadLock(plain); err != nil {
		t.Fatal(err)
	}
}
