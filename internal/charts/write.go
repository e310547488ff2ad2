package charts

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// fileWrite is one file to write into a package: its slash-separated path
// inside the package and its content.
type fileWrite struct {
	Path string
	Data []byte
}

// writeFiles writes files into the package dir, never outside it and
// never through a link: every directory on the way must be a directory (a
// missing one is made), and a file that exists must be a regular file.
// Each file is staged as a temporary file beside its target and synced;
// only when every file is staged are they renamed into place, in order, so
// that a failure before the renames leaves the package as it was. A
// rename replaces the directory entry, so it cannot write through a link
// swapped in after the checks.
func writeFiles(dir string, files []fileWrite) (err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var made, staged []string
	defer func() {
		if err == nil {
			return
		}
		for _, s := range staged {
			_ = root.Remove(s)
		}
		for i := len(made) - 1; i >= 0; i-- {
			_ = root.Remove(made[i])
		}
	}()
	temps := make([]string, len(files))
	for i, f := range files {
		rel := path.Clean(f.Path)
		if !fs.ValidPath(rel) || rel == "." {
			return fmt.Errorf("%s: not a path inside the package", f.Path)
		}
		// Directories first: each must be a real directory.
		parts := strings.Split(rel, "/")
		for j := 1; j < len(parts); j++ {
			d := filepath.FromSlash(path.Join(parts[:j]...))
			st, err := root.Lstat(d)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				if err := root.Mkdir(d, 0o755); err != nil {
					return err
				}
				made = append(made, d)
			case err != nil:
				return err
			case !st.IsDir():
				return notWritable(filepath.Join(dir, d), st.Mode(), "a directory")
			}
		}
		target := filepath.FromSlash(rel)
		if st, err := root.Lstat(target); err == nil && !st.Mode().IsRegular() {
			return notWritable(filepath.Join(dir, target), st.Mode(), "a regular file")
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		tmp, err := stage(root, target, f.Data)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, target), err)
		}
		staged = append(staged, tmp)
		temps[i] = tmp
	}
	for i, f := range files {
		if err := root.Rename(temps[i], filepath.FromSlash(path.Clean(f.Path))); err != nil {
			return err
		}
		staged = staged[1:]
	}
	return nil
}

// stage writes data to a new temporary file beside target and syncs it.
func stage(root *os.Root, target string, data []byte) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".tmp-"+hex.EncodeToString(b[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = root.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

func notWritable(name string, mode fs.FileMode, want string) error {
	what := "not " + want
	if mode&fs.ModeSymlink != 0 {
		what = "a symbolic link: vdirender writes through no links"
	}
	return fmt.Errorf("%s: is %s, not written", name, what)
}
