package input

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// File is one file let in by the gate.
type File struct {
	// Path names the file in errors: the package directory joined with
	// Rel, or "Rel at REV" for GitFiles.
	Path string
	// Rel is the slash-separated path inside the package (or repository).
	Rel  string
	Data []byte
}

// Match says whether the walk reads the file at rel (slash-separated,
// relative to the package) and as what.
type Match func(rel string) (Kind, bool)

// limits bound a package walk; tests make them small.
type limits struct {
	file, total    int64
	files, entries int
}

var packageLimits = limits{file: MaxFileBytes, total: MaxPackageBytes, files: MaxPackageFiles, entries: MaxPackageEntries}

// WalkPackage reads the files of the package directory dir that match
// selects, in lexical order. dir and everything under it must be
// directories and regular files: a symbolic link or a special file
// anywhere is refused, whether or not it would be read. Directories named
// .git are not part of a package and are not walked.
func WalkPackage(dir string, match Match) ([]File, error) {
	return walkPackage(dir, match, packageLimits)
}

func walkPackage(dir string, match Match, lim limits) ([]File, error) {
	// Clean drops a trailing slash, which would make Lstat follow a link.
	st, err := os.Lstat(filepath.Clean(dir))
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		if st.Mode().IsRegular() {
			return nil, &Error{Path: dir, Kind: ErrNotRegular, Reason: "is a file, not a package directory"}
		}
		return nil, typeError(dir, st.Mode())
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var (
		files   []File
		total   int64
		entries int
	)
	err = fs.WalkDir(root.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		name := filepath.Join(dir, filepath.FromSlash(rel))
		if err != nil {
			return renamed(name, err)
		}
		if entries++; entries > lim.entries {
			return &Error{Path: dir, Kind: ErrTooMany, Reason: fmt.Sprintf("the package has more than %d files and directories, more than the walk allows", lim.entries)}
		}
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		// The entry's own type, from the directory: links are not followed.
		if !d.Type().IsRegular() {
			return typeError(name, d.Type())
		}
		kind, ok := match(rel)
		if !ok {
			return nil
		}
		if len(files) == lim.files {
			return &Error{Path: dir, Kind: ErrTooMany, Reason: fmt.Sprintf("the package has more than the %d files allowed", lim.files)}
		}
		data, err := readIn(root, name, filepath.FromSlash(rel), kind, lim.file)
		if err != nil {
			return err
		}
		if total += int64(len(data)); total > lim.total {
			return &Error{Path: dir, Kind: ErrTooLarge, Reason: fmt.Sprintf("the package's files add up to more than the %d bytes allowed", lim.total)}
		}
		files = append(files, File{Path: name, Rel: rel, Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// ReadInPackage reads the file at rel inside the package directory dir (a
// lock file, a chart archive): a regular file of at most limit bytes, not
// a link, and never outside dir, whatever rel holds.
func ReadInPackage(dir, rel string, kind Kind, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return readIn(root, filepath.Join(dir, rel), rel, kind, limit)
}

// readIn reads rel inside root; name names it in errors.
func readIn(root *os.Root, name, rel string, kind Kind, limit int64) ([]byte, error) {
	st, err := root.Lstat(rel)
	if err != nil {
		return nil, renamed(name, err)
	}
	if err := regular(name, st.Mode()); err != nil {
		return nil, err
	}
	// os.Root never leaves root, links included, so a link swapped in after
	// the Lstat cannot lead outside; Fstat then refuses anything irregular.
	f, err := root.OpenFile(rel, os.O_RDONLY|oNonBlock, 0)
	if err != nil {
		return nil, renamed(name, err)
	}
	defer f.Close()
	return readOpened(f, name, kind, limit)
}

// renamed gives a path error the full name of the file.
func renamed(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: name, Err: pe.Err}
	}
	return err
}

// PackageOptions are the options of kyaml's LocalPackageReader that
// ReadPackage passes on.
type PackageOptions struct {
	// MatchFilesGlob selects the files read by their names; kyaml's
	// default (*.yaml, *.yml) when empty.
	MatchFilesGlob        []string
	PreserveSeqIndent     bool
	OmitReaderAnnotations bool
	IncludeSubpackages    bool
	// PackageFileName names the file that makes a directory a subpackage
	// (Kptfile); none when empty.
	PackageFileName string
}

// ReadPackage reads the objects of the package directory dir as kyaml's
// LocalPackageReader does with opt, every file read through the gate
// first (WalkPackage): kyaml then parses the gated bytes from memory, with
// its own rules (MatchFilesGlob, .krmignore, subpackages), so the objects
// and their annotations are those it would read from the disk.
func ReadPackage(dir string, opt PackageOptions) ([]*yaml.RNode, error) {
	globs := opt.MatchFilesGlob
	if len(globs) == 0 {
		globs = kio.DefaultMatch
	}
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("match %q: %w", g, err)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	files, err := WalkPackage(dir, func(rel string) (Kind, bool) {
		base := path.Base(rel)
		switch {
		case base == ".krmignore":
			return Text, true
		case opt.PackageFileName != "" && base == opt.PackageFileName:
			return YAML, true
		}
		for _, g := range globs {
			if ok, _ := path.Match(g, base); ok {
				return YAML, true
			}
		}
		return 0, false
	})
	if err != nil {
		return nil, err
	}
	mem := filesys.MakeFsInMemory()
	if err := mem.MkdirAll(abs); err != nil {
		return nil, err
	}
	for _, f := range files {
		p := filepath.Join(abs, filepath.FromSlash(f.Rel))
		if err := mem.MkdirAll(filepath.Dir(p)); err != nil {
			return nil, err
		}
		if err := mem.WriteFile(p, f.Data); err != nil {
			return nil, err
		}
	}
	return kio.LocalPackageReader{
		PackagePath:           abs,
		MatchFilesGlob:        globs,
		PreserveSeqIndent:     opt.PreserveSeqIndent,
		OmitReaderAnnotations: opt.OmitReaderAnnotations,
		IncludeSubpackages:    opt.IncludeSubpackages,
		PackageFileName:       opt.PackageFileName,
		FileSystem:            filesys.FileSystemOrOnDisk{FileSystem: mem},
	}.Read()
}
