package input

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	gitignore "github.com/monochromegane/go-gitignore"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// File is one file let in by the gate.
type File struct {
	// Path names the file in errors: the package directory joined with
	// Rel, or "Rel at REV" for GitFiles.
	Path string
	// Rel is the slash-separated path inside the package (or repository).
	Rel string
	// Sub, for GitFiles, is the slash-separated path under the path asked
	// for ("" when that path is the file itself).
	Sub  string
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
	// The directory opened is the one Lstat saw, not a link put in its
	// place in between.
	if opened, err := root.Stat("."); err != nil || !os.SameFile(st, opened) {
		return nil, &Error{Path: dir, Kind: ErrLink, Reason: "changed while it was opened"}
	}
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
			return &Error{Path: dir, Kind: ErrTooMany, Reason: fmt.Sprintf("the package holds more than the %d files and directories a walk visits", lim.entries)}
		}
		if rel == "." {
			return nil
		}
		// Names that are not UTF-8 cannot be walked through the package's
		// root, nor written in a path annotation.
		if !utf8.ValidString(rel) {
			return &Error{Path: dir, Kind: ErrInvalid, Reason: fmt.Sprintf("holds a file or directory whose name is not valid UTF-8 (%q)", rel)}
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
// a link nor under a directory that is a link, and never outside dir,
// whatever rel holds.
func ReadInPackage(dir, rel string, kind Kind, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	// os.Root would follow a link that stays inside dir; the gate follows
	// none, so each directory on the way is checked.
	parts := strings.Split(filepath.ToSlash(filepath.Clean(rel)), "/")
	for i := 1; i < len(parts); i++ {
		d := filepath.Join(parts[:i]...)
		st, err := root.Lstat(d)
		if err != nil {
			return nil, renamed(filepath.Join(dir, d), err)
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return nil, linkError(filepath.Join(dir, d))
		}
	}
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
// ReadPackage honours. Subpackages (PackageFileName) are not among them:
// without one, kyaml walks every directory alike, and so does ReadPackage.
type PackageOptions struct {
	// MatchFilesGlob selects the files read by their names; kyaml's
	// default (*.yaml, *.yml) when empty.
	MatchFilesGlob        []string
	PreserveSeqIndent     bool
	OmitReaderAnnotations bool
}

// ReadPackage reads the objects of the package directory dir as kyaml's
// LocalPackageReader reads them with opt, every file read through the gate
// first (WalkPackage): the same files in the same order (MatchFilesGlob,
// the package's .krmignore), each parsed by kyaml's ByteReader with the
// settings LocalPackageReader gives it, so that objects and annotations are
// those kyaml reads from the disk (FuzzReadPackage compares the two).
func ReadPackage(dir string, opt PackageOptions) ([]*yaml.RNode, error) {
	globs := opt.MatchFilesGlob
	if len(globs) == 0 {
		globs = kio.DefaultMatch
	}
	for _, g := range globs {
		if _, err := filepath.Match(g, ""); err != nil {
			return nil, fmt.Errorf("match %q: %w", g, err)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	files, err := WalkPackage(dir, func(rel string) (Kind, bool) {
		switch {
		case matchesAny(globs, path.Base(rel)):
			return YAML, true
		case rel == ignoreFile:
			return Text, true
		}
		return 0, false
	})
	if err != nil {
		return nil, err
	}
	// kyaml reads the .krmignore of the package directory only (those of
	// subpackages with PackageFileName, which vdirender does not use).
	var ignore gitignore.IgnoreMatcher = gitignore.DummyIgnoreMatcher(false)
	for _, f := range files {
		if f.Rel == ignoreFile {
			if ignore, err = readIgnore(abs, f); err != nil {
				return nil, err
			}
		}
	}
	var out []*yaml.RNode
	for _, f := range files {
		if f.Rel == ignoreFile && !matchesAny(globs, ignoreFile) {
			continue
		}
		p := filepath.Join(abs, filepath.FromSlash(f.Rel))
		if ignored(ignore, abs, p) {
			continue
		}
		set := map[string]string{}
		if !opt.OmitReaderAnnotations {
			rel := filepath.FromSlash(f.Rel)
			set[kioutil.PathAnnotation] = rel
			set[kioutil.LegacyPathAnnotation] = rel
		}
		items, err := (&kio.ByteReader{
			Reader:                bytes.NewReader(f.Data),
			DisableUnwrapping:     true,
			OmitReaderAnnotations: opt.OmitReaderAnnotations,
			SetAnnotations:        set,
			PreserveSeqIndent:     opt.PreserveSeqIndent,
		}).Read()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// ignoreFile is kyaml's ignore file (ext.IgnoreFileName).
const ignoreFile = ".krmignore"

func matchesAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := filepath.Match(g, name); ok {
			return true
		}
	}
	return false
}

// ignored tells whether kyaml's walk skips the file p: the file matches
// the ignore file, or a directory on its way from the package does (kyaml
// does not descend into it).
func ignored(ignore gitignore.IgnoreMatcher, root, p string) bool {
	for d := filepath.Dir(p); d != root && len(d) > len(root); d = filepath.Dir(d) {
		if ignore.Match(d, true) {
			return true
		}
	}
	return ignore.Match(p, false)
}

// readIgnore parses a .krmignore. The gitignore parser kyaml uses panics on
// some patterns (a lone "!"); such a file is refused, naming it, rather
// than crashing the run.
func readIgnore(root string, f File) (m gitignore.IgnoreMatcher, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, &Error{Path: f.Path, Kind: ErrInvalid, Reason: "holds a pattern the .krmignore parser cannot read"}
		}
	}()
	return gitignore.NewGitIgnoreFromReader(root, bytes.NewReader(f.Data)), nil
}
