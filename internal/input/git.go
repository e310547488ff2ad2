package input

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// maxGitOutput bounds what a git command other than cat-file may print
// (paths, a revision, a listing).
const maxGitOutput = 16 << 20

// GitFiles reads the files under p (a file or a directory, relative to the
// working directory or absolute inside the repository) as they were at
// revision rev, those whose repository path match selects. rev is resolved
// to a commit first and can never be taken as an option. Links are refused
// as in a package walk; the sizes git records are checked against the
// package limits before anything is read, and each blob is read within its
// limit (a path that is one file may be a whole stream, MaxStreamBytes).
func GitFiles(rev, p string, match func(name string) bool) ([]File, error) {
	if err := checkRev(rev); err != nil {
		return nil, err
	}
	out, err := git("", maxGitOutput, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("--rev compares with a git revision, and the working directory is in no git repository (%w)", err)
	}
	top := strings.TrimSpace(string(out))
	var rel string
	if filepath.IsAbs(p) {
		if rel, err = filepath.Rel(top, p); err != nil {
			return nil, err
		}
	} else {
		cwd, err := git("", maxGitOutput, "rev-parse", "--show-prefix")
		if err != nil {
			return nil, err
		}
		rel = filepath.Join(strings.TrimSpace(string(cwd)), p)
	}
	prefix := filepath.ToSlash(filepath.Clean(rel))
	out, err = git(top, maxGitOutput, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("--rev %q is not a commit of the repository: %w", rev, err)
	}
	commit := strings.TrimSpace(string(out))
	if !isHex(commit) {
		return nil, fmt.Errorf("--rev %q resolves to %q, not an object id", rev, commit)
	}
	listing, err := git(top, maxGitOutput, "ls-tree", "-r", "-z", "--long", "--end-of-options", commit, "--", prefix)
	if err != nil {
		if isTooLarge(err) {
			return nil, &Error{Path: prefix + " at " + rev, Kind: ErrTooMany, Reason: fmt.Sprintf("lists more than %d bytes of files", maxGitOutput)}
		}
		return nil, err
	}
	entries, err := parseTree(listing)
	if err != nil {
		return nil, fmt.Errorf("git ls-tree %s -- %s: %w", rev, prefix, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s does not exist at %s (not committed yet?)", prefix, rev)
	}
	limit := int64(MaxFileBytes)
	if len(entries) == 1 && entries[0].name == prefix {
		limit = MaxStreamBytes
	}
	var (
		files []File
		total int64
	)
	if len(entries) > MaxPackageEntries {
		return nil, &Error{Path: prefix + " at " + rev, Kind: ErrTooMany, Reason: fmt.Sprintf("has more than the %d files a walk allows", MaxPackageEntries)}
	}
	for _, e := range entries {
		name := e.name + " at " + rev
		if e.mode == "120000" {
			return nil, linkError(name)
		}
		if e.typ != "blob" || !match(e.name) {
			continue // submodules are not read
		}
		if len(files) == MaxPackageFiles {
			return nil, &Error{Path: prefix + " at " + rev, Kind: ErrTooMany, Reason: fmt.Sprintf("has more than the %d files allowed", MaxPackageFiles)}
		}
		if e.size > limit {
			return nil, &Error{Path: name, Kind: ErrTooLarge, Reason: fmt.Sprintf("file is %d bytes, more than the %d allowed", e.size, limit)}
		}
		if total += e.size; total > MaxPackageBytes {
			return nil, &Error{Path: prefix + " at " + rev, Kind: ErrTooLarge, Reason: fmt.Sprintf("the files add up to more than the %d bytes allowed", MaxPackageBytes)}
		}
		data, err := git(top, limit, "cat-file", "blob", e.oid)
		if err != nil {
			if isTooLarge(err) {
				return nil, &Error{Path: name, Kind: ErrTooLarge, Reason: fmt.Sprintf("file is more than the %d bytes allowed", limit)}
			}
			return nil, err
		}
		if err := checkContent(name, YAML, data); err != nil {
			return nil, err
		}
		files = append(files, File{Path: name, Rel: e.name, Sub: strings.TrimPrefix(strings.TrimPrefix(e.name, prefix), "/"), Data: data})
	}
	return files, nil
}

// checkRev refuses a revision that git could read as an option or that
// holds what no revision name holds.
func checkRev(rev string) error {
	switch {
	case rev == "":
		return fmt.Errorf("--rev: no revision")
	case strings.HasPrefix(rev, "-"):
		return fmt.Errorf("--rev %q: a revision may not start with '-'", rev)
	case len(rev) > 1024:
		return fmt.Errorf("--rev: a revision of %d bytes is not a revision", len(rev))
	}
	for _, r := range rev {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("--rev %q: a revision may not hold spaces or control characters", rev)
		}
	}
	return nil
}

func isHex(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// treeEntry is one line of git ls-tree --long.
type treeEntry struct {
	mode, typ, oid, name string
	size                 int64
}

// parseTree parses `git ls-tree -r -z --long`: "MODE TYPE OID SIZE\tNAME\0".
func parseTree(out []byte) ([]treeEntry, error) {
	var entries []treeEntry
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, name, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 4 {
			return nil, fmt.Errorf("unexpected entry %q", meta)
		}
		e := treeEntry{mode: f[0], typ: f[1], oid: f[2], name: path.Clean(string(name))}
		if e.typ == "blob" {
			size, err := strconv.ParseInt(f[3], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("unexpected size %q", f[3])
			}
			e.size = size
		}
		if !isHex(e.oid) {
			return nil, fmt.Errorf("unexpected object id %q", e.oid)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// errGitTooLarge marks git output beyond its limit.
type errGitTooLarge struct{ limit int64 }

func (e errGitTooLarge) Error() string {
	return fmt.Sprintf("git printed more than %d bytes", e.limit)
}

func isTooLarge(err error) bool {
	_, ok := err.(errGitTooLarge)
	return ok
}

// git runs git in dir and returns at most limit bytes of its output; a
// command that prints more is killed. Its stderr is kept to 4 KiB.
func git(dir string, limit int64, args ...string) ([]byte, error) {
	// Paths are printed as they are (-z already keeps ls-tree from quoting
	// them; quotePath=false keeps every other listing the same) and taken
	// literally, never as globs.
	cmd := exec.Command("git", append([]string{"-c", "core.quotePath=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "GIT_LITERAL_PATHSPECS=1")
	stderr := &cappedBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	data, over, rerr := readAll(stdout, limit, 0)
	if over {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, errGitTooLarge{limit}
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if rerr != nil {
		return nil, rerr
	}
	return data, nil
}

// cappedBuffer keeps the first max bytes written to it.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// WriteTree writes files (from GitFiles) under dir, each at its Sub path,
// through an os.Root so that no name leaves dir, and returns the path that
// stands for the path GitFiles was asked for: dir itself, or the one file
// named base when that path was a file.
func WriteTree(dir, base string, files []File) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	for _, f := range files {
		sub := f.Sub
		if sub == "" {
			if len(files) != 1 {
				return "", fmt.Errorf("%s: a file and a directory at once", f.Path)
			}
			sub = base
		}
		if d := path.Dir(sub); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return "", fmt.Errorf("%s: %w", f.Path, err)
			}
		}
		if err := root.WriteFile(sub, f.Data, 0o644); err != nil {
			return "", fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	if len(files) == 1 && files[0].Sub == "" {
		return filepath.Join(dir, base), nil
	}
	return dir, nil
}
