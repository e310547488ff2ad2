package input

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// OutputDir reads what the output directory dir of `build -o` or
// `chart -o` holds, for the writer that owns it (manifest.WriteOwned):
// every entry that is not a directory (regular files, links, anything
// else: links and directories are never followed), as slash-separated
// paths relative to dir, sorted;
// and the content of its list of owned files, the file named list at the
// top of dir, read as text within limit (nil when there is none). A dir
// that does not exist holds nothing. At most MaxPackageEntries entries are
// listed.
func OutputDir(dir, list string, limit int64) (entries []string, owned []byte, err error) {
	st, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		// As for a package, the path named on the command line may not be a link.
		return nil, nil, &Error{Path: dir, Kind: ErrLink, Reason: "is a symbolic link: vdirender writes only into a real directory"}
	}
	if !st.IsDir() {
		return nil, nil, &Error{Path: dir, Kind: ErrNotRegular, Reason: "is not a directory"}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	n := 0
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return renamed(filepath.Join(dir, p), err)
		}
		if n++; n > MaxPackageEntries {
			return &Error{Path: dir, Kind: ErrTooMany, Reason: fmt.Sprintf("holds more than %d entries", MaxPackageEntries)}
		}
		if !d.IsDir() {
			entries = append(entries, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(entries)
	if _, err := root.Lstat(list); err == nil {
		owned, err = readIn(root, filepath.Join(dir, list), list, Text, limit)
		if err != nil {
			return nil, nil, err
		}
	}
	return entries, owned, nil
}
