package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/input"
)

// internalAnnotations are set by readers and orchestrators, never applied.
var internalAnnotations = []string{
	kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.IdAnnotation, kioutil.SeqIndentAnnotation,
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.LegacyIdAnnotation,
	kioutil.InternalAnnotationsMigrationResourceIDAnnotation,
}

// Clean drops local-config objects (the VDIPlatform, Kptfiles) and the
// internal annotations, leaving what a cluster should receive.
func Clean(items []*yaml.RNode) ([]*yaml.RNode, error) {
	out := items[:0]
	for _, it := range items {
		if IsLocalConfig(it) || IsToolConfig(it) {
			continue
		}
		if err := ClearInternal(it); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// ClearInternal removes the internal annotations of it, and its
// annotations when that leaves none.
func ClearInternal(it *yaml.RNode) error {
	for _, a := range internalAnnotations {
		if err := it.PipeE(yaml.ClearAnnotation(a)); err != nil {
			return err
		}
	}
	if md := it.Field("metadata"); md != nil {
		if an := md.Value.Field("annotations"); an != nil && len(an.Value.YNode().Content) == 0 {
			return md.Value.PipeE(yaml.Clear("annotations"))
		}
	}
	return nil
}

// IsToolConfig tells the files of kpt and kustomize that sit in a package
// but never reach a cluster.
func IsToolConfig(it *yaml.RNode) bool {
	switch it.GetKind() {
	case "Kptfile":
		return true
	case "Kustomization", "Component":
		return strings.HasPrefix(it.GetApiVersion(), "kustomize.config.k8s.io/")
	}
	return false
}

// Write prints items as one YAML stream.
func Write(w io.Writer, items []*yaml.RNode) error {
	return kio.ByteWriter{Writer: w}.Write(items)
}

// OwnedList is the file in an output directory that lists the files
// vdirender wrote there (build -o, chart -o), one slash-separated path a
// line, sorted.
const OwnedList = ".vdirender-files"

// maxOwnedList bounds the list of owned files read back.
const maxOwnedList = 16 << 20

// An Owner is a command that owns the output directories it writes: see
// WriteOwned.
type Owner struct {
	// Command names it in errors: "build -o".
	Command string
	// Header is the first line of its list of owned files.
	Header string
	// Path is the shape of every path it writes, slash-separated, of at
	// most two parts, neither hidden nor "..": a list naming anything else
	// is refused.
	Path *regexp.Regexp
}

// Build owns the directories of build -o.
var Build = Owner{
	Command: "build -o",
	Header:  "# Files vdirender build -o wrote here; the next build replaces or removes them.\n",
	Path:    ownedPath,
}

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	kindName     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	// rbacName is what the RBAC kinds allow beyond a DNS subdomain
	// (system:node-proxier), kept to characters safe in a file name.
	rbacName  = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9._:@]*[A-Za-z0-9])?$`)
	rbacKinds = map[string]bool{"Role": true, "ClusterRole": true, "RoleBinding": true, "ClusterRoleBinding": true}
	// ownedPath is the shape of every path FileName gives.
	ownedPath = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z][a-z0-9]*_[A-Za-z0-9]([-A-Za-z0-9._:@]*[A-Za-z0-9])?\.yaml$`)
)

// CheckName refuses an object whose namespace is not a DNS-1123 label,
// whose kind is not an identifier or whose name is not a DNS-1123
// subdomain (for the RBAC kinds, a name of letters, digits and -._:@):
// the API server would refuse it, and its file name under -o must stay
// inside the output directory.
func CheckName(kind, namespace, name string) error {
	id := fmt.Sprintf("%s %q", kind, name)
	if namespace != "" {
		id = fmt.Sprintf("%s %q in namespace %q", kind, name, namespace)
	}
	switch {
	case len(kind) > 63 || !kindName.MatchString(kind):
		return fmt.Errorf("%s: the kind is not an identifier (letters and digits)", id)
	case namespace != "" && (len(namespace) > 63 || !dnsLabel.MatchString(namespace)):
		return fmt.Errorf("%s: the namespace is not a DNS-1123 label (at most 63 lowercase letters, digits and '-')", id)
	case name == "":
		return fmt.Errorf("%s: the object has no name", id)
	case len(name) > 253:
		return fmt.Errorf("%s: the name is longer than 253 characters", id)
	case rbacKinds[kind]:
		if !rbacName.MatchString(name) || strings.Contains(name, "..") {
			return fmt.Errorf("%s: the name is not a valid %s name (letters, digits and -._:@, starting and ending with a letter or digit, no '..')", id, kind)
		}
	case !dnsSubdomain.MatchString(name):
		return fmt.Errorf("%s: the name is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')", id)
	}
	return nil
}

// FileName is the path under an output directory of an object:
// [namespace/]kind_name.yaml, from validated names only.
func FileName(it *yaml.RNode) (string, error) {
	kind, ns, name := it.GetKind(), it.GetNamespace(), it.GetName()
	if err := CheckName(kind, ns, name); err != nil {
		return "", err
	}
	p := strings.ToLower(kind) + "_" + name + ".yaml"
	if ns != "" {
		p = ns + "/" + p
	}
	if !ownedPath.MatchString(p) {
		return "", fmt.Errorf("%s %q: no safe file name", kind, name)
	}
	return p, nil
}

// Files maps each object to its file under an output directory and
// renders it. Two objects that would share a file (kinds of other groups,
// kinds that differ in case) are an error: one would overwrite the other.
func Files(items []*yaml.RNode) (map[string][]byte, error) {
	files := make(map[string][]byte, len(items))
	owner := map[string]string{}
	var errs []error
	for _, it := range items {
		p, err := FileName(it)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		id := fmt.Sprintf("%s %s %s/%s", it.GetApiVersion(), it.GetKind(), it.GetNamespace(), it.GetName())
		// Names that differ in case only share a file where case is not
		// kept (macOS, Windows checkouts).
		if first, dup := owner[strings.ToLower(p)]; dup {
			errs = append(errs, fmt.Errorf("%s and %s would both be written to %s", first, id, p))
			continue
		}
		owner[strings.ToLower(p)] = id
		var buf bytes.Buffer
		if err := Write(&buf, []*yaml.RNode{it}); err != nil {
			return nil, err
		}
		files[p] = buf.Bytes()
	}
	return files, errors.Join(errs...)
}

// WriteDir writes one file per object under dir, named
// [namespace/]kind_name.yaml so that reviewers see stable paths, and owns
// dir: the files it writes are listed in dir/.vdirender-files, and the
// next WriteDir removes those it no longer renders. It never writes,
// removes or follows anything else: a file in dir that it did not write
// (or any entry, in a dir without the list) is refused by name before
// anything changes, links included. Every file is created afresh inside
// dir with O_EXCL|O_NOFOLLOW, after removing the entry it replaces, so no
// link is ever written through.
func WriteDir(dir string, items []*yaml.RNode) error {
	files, err := Files(items)
	if err != nil {
		return err
	}
	return WriteOwned(dir, Build, files)
}

// WriteOwned writes files (slash-separated paths, each of the shape o.Path
// accepts) under dir as WriteDir does, owning dir for o: its list of owned
// files names the files it wrote, the next WriteOwned for o removes those
// no longer in files, and a dir holding anything else is refused by name
// before anything changes.
func WriteOwned(dir string, o Owner, files map[string][]byte) error {
	for p := range files {
		if !o.Path.MatchString(p) {
			return fmt.Errorf("%s: %s writes no such file", p, o.Command)
		}
	}
	entries, list, err := input.OutputDir(dir, OwnedList, maxOwnedList)
	if err != nil {
		return err
	}
	owned, err := o.parseOwned(filepath.Join(dir, OwnedList), list)
	if err != nil {
		return err
	}
	var unknown []string
	for _, e := range entries {
		if e != OwnedList && !owned[e] {
			unknown = append(unknown, e)
		}
	}
	if len(unknown) > 0 {
		more := ""
		if len(unknown) > 10 {
			unknown, more = unknown[:10], fmt.Sprintf(" and %d more", len(unknown)-10)
		}
		why := "they are not in its " + OwnedList
		if list == nil {
			why = "it has no " + OwnedList + ", so vdirender did not write it"
		}
		return fmt.Errorf("%s holds files vdirender did not write (%s%s): %s; %s writes only into an empty directory or one it wrote", dir, strings.Join(unknown, ", "), more, why, o.Command)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	slices.Sort(names)
	// List the old and new files first, so that an interrupted build
	// leaves no file the list does not own.
	all := slices.Clone(names)
	for p := range owned {
		all = append(all, p)
	}
	if err := o.writeList(root, all); err != nil {
		return err
	}
	for p := range owned {
		if _, keep := files[p]; keep {
			continue
		}
		if err := root.Remove(filepath.FromSlash(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if d := path.Dir(p); d != "." {
			_ = root.Remove(d) // only when empty
		}
	}
	for _, p := range names {
		if d := path.Dir(p); d != "." {
			if err := mkdir(root, d); err != nil {
				return err
			}
		}
		if err := create(root, p, files[p]); err != nil {
			return err
		}
	}
	return o.writeList(root, names)
}

// parseOwned reads a list of owned files; every line must be a path o
// writes (for build -o, one FileName could have given), so that a list
// committed by someone else cannot make WriteOwned remove anything else.
func (o Owner) parseOwned(name string, list []byte) (map[string]bool, error) {
	owned := map[string]bool{}
	for i, line := range strings.Split(string(list), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !o.Path.MatchString(line) {
			return nil, fmt.Errorf("%s:%d: not a file vdirender writes (for %s): %q", name, i+1, o.Command, line)
		}
		owned[line] = true
	}
	return owned, nil
}

func (o Owner) writeList(root *os.Root, paths []string) error {
	paths = slices.Compact(slices.Sorted(slices.Values(paths)))
	var b strings.Builder
	b.WriteString(o.Header)
	for _, p := range paths {
		b.WriteString(p + "\n")
	}
	return create(root, OwnedList, []byte(b.String()))
}

// mkdir makes d inside root unless it is a directory already; a link
// there is refused.
func mkdir(root *os.Root, d string) error {
	st, err := root.Lstat(d)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return root.Mkdir(d, 0o755)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s: not a directory", d)
	}
	return nil
}

// create writes a fresh file at p inside root, replacing the entry there
// (never writing through it): O_CREATE|O_EXCL fails on any entry,
// a link included, so nothing is followed.
func create(root *os.Root, p string, data []byte) error {
	p = filepath.FromSlash(p)
	if err := root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
