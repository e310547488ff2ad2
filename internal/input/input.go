// Package input is the one gate between vdirender and what it renders.
//
// vdirender renders whatever a pull request holds, in CI runners and in Argo
// CD, so every byte it reads is hostile until this package has let it in:
// package directories (WalkPackage, ReadPackage), single files (ReadFile),
// files a package names such as its lock file and chart archives
// (ReadInPackage), stdin (ReadStream), git revisions (GitFiles) and the
// bodies of HTTP responses and registry blobs (ReadResponse, ReadBody: what
// vdirender pull fetches). No other package opens, walks or runs git for
// input, nor reads a whole stream; a test enforces it.
//
// The gate refuses, each time naming the file and the limit it hit and
// never quoting the content (a YAML syntax error is the parser's own
// message with its line; it can name an anchor of a file inside the
// package, never anything outside it, which is never read):
//
//   - symbolic links, wherever they are in a package and whatever their
//     names: a link committed in a pull request can point at the runner's
//     kubeconfig or service-account token, a link inside the package can be
//     retargeted between a check and a read, and a link never renders what
//     its author meant anyway (kpt does not follow links; kyaml follows one
//     to a file but silently skips one to a directory), so a package is a
//     tree of directories and regular files, nothing else. The
//     path named on the command line may not be a link either; the
//     directories above it are the caller's;
//   - special files (FIFOs, devices, sockets): Lstat refuses them, files are
//     opened with O_NOFOLLOW|O_NONBLOCK so that a FIFO cannot block, and
//     the opened file is checked again with Fstat, so that the size checked
//     is the size of what is read;
//   - files larger than their limit: at most limit+1 bytes are ever read, so
//     an endless or growing file is refused in bounded memory; the same for
//     HTTP bodies, whose announced Content-Length is refused first;
//   - packages with more than MaxPackageFiles files to read, more than
//     MaxPackageEntries entries in all, or more than MaxPackageBytes in all;
//   - YAML and JSON (JSON is read as YAML) that is not UTF-8, nests deeper
//     than MaxDepth or would expand its aliases beyond MaxExpandedNodes
//     (Check);
//   - git revisions that could be taken as options, and revisions whose files
//     exceed the same limits, checked on the sizes git records before
//     anything is read.
package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits. The per-file limit is the values limit: a package file is a
// document a person writes.
const (
	// MaxFileBytes bounds one file of a package, a values file, a lock file.
	MaxFileBytes = 4 << 20
	// MaxStreamBytes bounds one stream: a ResourceList on stdin (the default
	// of --max-input-size) or a rendering read as one YAML stream by diff.
	MaxStreamBytes = 64 << 20
	// MaxArchiveBytes bounds a vendored chart archive as stored; what it
	// unpacks to is bounded by Helm's limits (charts.checkArchive).
	MaxArchiveBytes = 16 << 20
	// MaxPackageBytes bounds all the files a package walk reads together.
	MaxPackageBytes = 64 << 20
	// MaxPackageFiles bounds the files a package walk reads.
	MaxPackageFiles = 10_000
	// MaxPackageEntries bounds every entry a package walk visits, the files
	// it does not read and the directories included, so that a tree of a
	// million empty files cannot keep it busy.
	MaxPackageEntries = 200_000
)

// Kind is what a file must be besides small and regular.
type Kind int

const (
	// YAML is YAML or JSON: it must pass Check.
	YAML Kind = iota
	// Text is UTF-8 text that is not YAML (.krmignore).
	Text
	// Opaque is bytes another check owns (chart archives: charts.checkArchive).
	Opaque
)

// Kinds of refusal, for errors.Is.
var (
	ErrLink       = errors.New("symbolic link")
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("too large")
	ErrTooMany    = errors.New("too many files")
	ErrInvalid    = errors.New("invalid content")
)

// Error is a refusal: the file, the line when the content is at fault,
// and the reason. It never holds any of the content.
type Error struct {
	Path string
	Line int
	// Kind is one of the Err* values above.
	Kind error
	// Reason says what was refused and why, for people.
	Reason string
	// Cause is the checker's own error when the content is invalid.
	Cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap gives the kind of refusal and, for invalid content, the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

// ReadFile reads the YAML or JSON file at path, which must be a regular
// file of at most limit bytes, not a symbolic link.
func ReadFile(path string, limit int64) ([]byte, error) {
	st, err := os.Lstat(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	if err := regular(path, st.Mode()); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow|oNonBlock, 0)
	if err != nil {
		if isLinkErr(err) {
			return nil, linkError(path)
		}
		return nil, err
	}
	defer f.Close()
	return readOpened(f, path, YAML, limit)
}

// ReadMounted reads a file the cluster mounts into a pod, such as a
// ConfigMap volume. The kubelet swaps such files through its own links
// (key -> ..data/key -> ..<timestamp>/key), so the links are followed: the
// mount comes from the cluster, not from a package. What they lead to must
// be a regular file within limit, checked like any other input.
func ReadMounted(path string, limit int64) ([]byte, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	data, err := ReadFile(target, limit)
	var e *Error
	if errors.As(err, &e) {
		e.Path = path
	}
	return data, err
}

// ReadStream reads YAML or JSON from r (stdin), at most limit bytes; name
// names it in errors.
func ReadStream(r io.Reader, name string, limit int64) ([]byte, error) {
	data, over, err := readAll(r, limit, 0)
	if err != nil {
		return nil, err
	}
	if over {
		return nil, &Error{Path: name, Kind: ErrTooLarge, Reason: fmt.Sprintf("larger than the %d bytes allowed", limit)}
	}
	return data, checkContent(name, YAML, data)
}

// ReadStreamBytes reads at most limit bytes from r like ReadStream, but
// leaves the content check to the caller's Parse, which refuses on the same
// terms and keeps what it parsed: a large ResourceList is parsed once.
func ReadStreamBytes(r io.Reader, name string, limit int64) ([]byte, error) {
	data, over, err := readAll(r, limit, 0)
	if err != nil {
		return nil, err
	}
	if over {
		return nil, &Error{Path: name, Kind: ErrTooLarge, Reason: fmt.Sprintf("larger than the %d bytes allowed", limit)}
	}
	return data, nil
}

// CheckYAML is Check with the refusal as an *Error naming the document, for
// YAML that reaches vdirender inside other YAML (a values file embedded in a
// ConfigMap).
func CheckYAML(name string, data []byte) error {
	return checkContent(name, YAML, data)
}

// regular refuses anything but a regular file, by its Lstat or Fstat mode.
func regular(path string, mode fs.FileMode) error {
	if mode.IsRegular() {
		return nil
	}
	return typeError(path, mode)
}

// typeError says what a path is instead of a regular file or directory.
func typeError(path string, mode fs.FileMode) error {
	var what string
	switch {
	case mode&fs.ModeSymlink != 0:
		return linkError(path)
	case mode.IsDir():
		what = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		what = "a socket"
	case mode&fs.ModeDevice != 0:
		what = "a device"
	default:
		what = "a special file"
	}
	return &Error{Path: path, Kind: ErrNotRegular, Reason: "is " + what + ", not a regular file"}
}

func linkError(path string) error {
	return &Error{Path: path, Kind: ErrLink, Reason: "is a symbolic link: vdirender follows no links in its input (one could lead outside the package)"}
}

// readOpened reads an opened file after Fstat has shown it to be a regular
// file within limit: the size checked is the size of what is read, whatever
// a link or a rename did before the open.
func readOpened(f *os.File, path string, kind Kind, limit int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(path, st.Mode()); err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, &Error{Path: path, Kind: ErrTooLarge, Reason: fmt.Sprintf("file is %d bytes, more than the %d allowed", st.Size(), limit)}
	}
	data, over, err := readAll(f, limit, st.Size())
	if err != nil {
		return nil, err
	}
	if over {
		return nil, &Error{Path: path, Kind: ErrTooLarge, Reason: fmt.Sprintf("file grew beyond the %d bytes allowed while it was read", limit)}
	}
	return data, checkContent(path, kind, data)
}

// readAll reads r to its end but never more than limit+1 bytes; over
// reports that there was more than limit. size is the expected size, to
// allocate once.
func readAll(r io.Reader, limit, size int64) (data []byte, over bool, err error) {
	lr := io.LimitReader(r, limit+1)
	n := min(max(size+1, 512), limit+1)
	data = make([]byte, 0, n)
	for {
		if int64(len(data)) > limit {
			return nil, true, nil
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		k, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	if int64(len(data)) > limit {
		return nil, true, nil
	}
	return data, false, nil
}

// checkContent checks data for its kind.
func checkContent(path string, kind Kind, data []byte) error {
	switch kind {
	case YAML:
		if err := Check(data); err != nil {
			line, reason := YAMLProblem(data, err)
			return &Error{Path: path, Line: line, Kind: ErrInvalid, Reason: reason, Cause: err}
		}
	case Text:
		if !utf8.Valid(data) {
			return &Error{Path: path, Kind: ErrInvalid, Reason: "not valid UTF-8"}
		}
	}
	return nil
}

// lineOf finds the line a YAML error names ("yaml: line 3: ...").
// TabMessage says what is wrong with a line TabIndented finds: the parser's
// own words ("found character that cannot start any token") do not.
const TabMessage = "the line is indented with a tab: YAML indents with spaces only"

// TabIndented is the first line, up to upTo (0: all), whose indentation
// holds a tab, or 0.
func TabIndented(data []byte, upTo int) int {
	for i, l := range strings.Split(string(data), "\n") {
		if upTo > 0 && i+1 > upTo {
			break
		}
		if indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]; strings.Contains(indent, "\t") {
			return i + 1
		}
	}
	return 0
}

func lineOf(msg string) int {
	i := strings.Index(msg, "line ")
	if i < 0 {
		return 0
	}
	rest := msg[i+5:]
	j := strings.IndexAny(rest, ": ")
	if j <= 0 {
		return 0
	}
	n, _ := strconv.Atoi(rest[:j])
	return n
}

// MisIndented is the first line from line from on whose indentation fits
// none of the blocks open above it: deeper than the line before without
// that line opening a block, or back to a column no enclosing block
// starts at. The YAML parser reports such a line where the block it
// broke began, often lines above; 0 when every line fits.
func MisIndented(data []byte, from int) int {
	stack := []int{0}
	opens := false // the previous line opens a block
	scalar := -1   // the indentation of a block scalar's key, while in it
	for i, l := range strings.Split(string(data), "\n") {
		text := strings.TrimLeft(l, " ")
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "---") {
			continue
		}
		indent := len(l) - len(text)
		if scalar >= 0 {
			if indent > scalar {
				continue // text of a block scalar
			}
			scalar = -1
		}
		top := stack[len(stack)-1]
		bad := false
		switch {
		case indent > top:
			bad = !opens
			stack = append(stack, indent)
		case indent < top:
			for len(stack) > 1 && stack[len(stack)-1] > indent {
				stack = stack[:len(stack)-1]
			}
			if stack[len(stack)-1] != indent {
				bad = true
				stack = append(stack, indent)
			}
		}
		if bad && i+1 >= from {
			return i + 1
		}
		body := strings.TrimSpace(strings.SplitN(text, " #", 2)[0])
		// A list item's mapping continues at the column after "- ".
		col := indent
		for strings.HasPrefix(body, "- ") {
			col += 2
			stack = append(stack, col)
			body = strings.TrimLeft(body[2:], " ")
		}
		opens = strings.HasSuffix(body, ":") || body == "-"
		for _, mark := range []string{"|", ">", "|-", ">-", "|+", ">+"} {
			if strings.HasSuffix(body, ": "+mark) || body == mark {
				scalar = indent
			}
		}
	}
	return 0
}

// YAMLProblem says where a YAML syntax error is and why, in words for
// people: a tab in the indentation is named as such (YAML indents with
// spaces only); a line indented out of its block is pointed at, where the
// parser names the line its block began; else the parser's own words.
func YAMLProblem(data []byte, err error) (line int, message string) {
	var dup *DuplicateKeyError
	if errors.As(err, &dup) {
		return dup.Line, dup.Message()
	}
	msg := err.Error()
	line = lineOf(msg)
	upTo := line
	if strings.Contains(msg, "tab character") {
		upTo++ // the parser may name the line before the tab's
	}
	if tab := TabIndented(data, upTo); tab > 0 {
		return tab, TabMessage
	}
	// Block structure only: a flow collection (JSON) has no indentation.
	block := strings.Contains(msg, "did not find expected key") || strings.Contains(msg, "did not find expected '-'") ||
		strings.Contains(msg, "mapping values are not allowed")
	if first := bytes.TrimLeft(data, " \t\r\n"); block && len(first) > 0 && first[0] != '{' && first[0] != '[' {
		if mis := MisIndented(data, line); mis > 0 {
			return mis, fmt.Sprintf("invalid YAML: this line is indented differently from the block it is in; line it up with its siblings, or with the key it belongs under (the parser: %s)", msg)
		}
	}
	return line, "invalid YAML: " + msg
}
