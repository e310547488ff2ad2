// Package build renders a values file or a package directory to plain
// manifests: what `vdirender build` prints and what Argo CD applies.
package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/transformers"
	"github.com/vdirender/vdirender/values"
	"github.com/vdirender/vdirender/yamlsafe"
)

// Failed carries the results of a rendering that failed; nothing may be
// printed on stdout then.
type Failed struct{ Results framework.Results }

func (f *Failed) Error() string {
	n := 0
	for _, r := range f.Results {
		if r.Severity == framework.Error {
			n++
		}
	}
	return fmt.Sprintf("%d error(s)", n)
}

// Run renders path, a values file, a file holding a VDIPlatform, or a
// package directory holding one. It returns the objects to apply (local
// config and internal annotations removed) and the non-error results.
func Run(path string) ([]*yaml.RNode, framework.Results, error) {
	items, v, cfg, err := load(path)
	if err != nil {
		var fes values.Errors
		var fe values.FieldError
		if errors.As(err, &fes) || errors.As(err, &fe) {
			return nil, nil, &Failed{Results: fn.ErrorResults(cfg, err)}
		}
		return nil, nil, err
	}
	out, results, err := fn.Render(items, v, fn.Options{PackageDir: PackageDir(path)})
	if err != nil {
		return nil, nil, err
	}
	if fn.HasErrors(results) {
		return nil, nil, &Failed{Results: results}
	}
	out, err = Clean(out)
	return out, results, err
}

// Validate checks the objects of path, a package directory or a file of
// objects, against the platform rules without rendering or changing
// anything. It returns how many objects it checked and the results.
func Validate(path string) (int, framework.Results, error) {
	items, err := read(path)
	if err != nil {
		return 0, nil, err
	}
	env := &transformers.Env{Values: values.Defaults(), UnknownPools: true}
	if cfg, perr := platform(path, items); perr == nil {
		v, err := platformValues(cfg)
		if err != nil {
			return 0, nil, &Failed{Results: fn.ErrorResults(cfg, err)}
		}
		env = &transformers.Env{Values: v}
	}
	// Local config (the VDIPlatform, Kptfiles) never reaches a cluster.
	items, err = (&filters.IsLocalConfig{}).Filter(items)
	if err != nil {
		return 0, nil, err
	}
	results, err := fn.Validate(items, env)
	return len(items), results, err
}

// read reads the objects of a package directory or a file.
func read(path string) ([]*yaml.RNode, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if err := checkFiles(path); err != nil {
			return nil, err
		}
		items, err := kio.LocalPackageReader{PackagePath: path, MatchFilesGlob: kio.MatchAll, PreserveSeqIndent: true}.Read()
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			p, _, _ := kioutil.GetFileAnnotations(it)
			if err := it.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, filepath.ToSlash(filepath.Join(path, p)))); err != nil {
				return nil, err
			}
		}
		return items, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > values.MaxBytes {
		return nil, values.FieldError{File: path, Message: fmt.Sprintf("file is %d bytes, more than the %d allowed", len(data), values.MaxBytes)}
	}
	if err := yamlsafe.Check(data); err != nil {
		return nil, values.FieldError{File: path, Message: "invalid YAML: " + err.Error()}
	}
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(data), SetAnnotations: map[string]string{kioutil.PathAnnotation: filepath.ToSlash(path)}, PreserveSeqIndent: true}).Read()
	if err != nil {
		return nil, values.FieldError{File: path, Message: err.Error()}
	}
	return items, nil
}

// PackageValues loads the values of a package directory or values file.
func PackageValues(path string) (*values.Values, error) {
	_, v, cfg, err := load(path)
	if err != nil {
		var fes values.Errors
		var fe values.FieldError
		if errors.As(err, &fes) || errors.As(err, &fe) {
			return nil, &Failed{Results: fn.ErrorResults(cfg, err)}
		}
	}
	return v, err
}

// PackageDir is the directory vendored charts are read from: the package
// itself, or the directory of a values file.
func PackageDir(p string) string {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return p
	}
	return filepath.Dir(p)
}

// checkFiles refuses hostile YAML files in a package before kyaml parses
// them in full.
func checkFiles(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > values.MaxBytes {
			return values.FieldError{File: p, Message: fmt.Sprintf("file is %d bytes, more than the %d allowed", info.Size(), values.MaxBytes)}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := yamlsafe.Check(data); err != nil {
			return values.FieldError{File: p, Message: "invalid YAML: " + err.Error()}
		}
		return nil
	})
}

// load reads the input and its values.
func load(path string) (items []*yaml.RNode, v *values.Values, cfg *yaml.RNode, err error) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, nil, err
		}
		if len(data) <= values.MaxBytes && !isKRM(data) {
			doc, err := values.Parse(path, data)
			if err != nil {
				return nil, nil, nil, err
			}
			v, err := values.Load(doc)
			return nil, v, nil, err
		}
	}
	if items, err = read(path); err != nil {
		return nil, nil, nil, err
	}
	if cfg, err = platform(path, items); err != nil {
		return nil, nil, nil, err
	}
	v, err = platformValues(cfg)
	return items, v, cfg, err
}

// platformValues loads the values of a VDIPlatform read from a file.
func platformValues(cfg *yaml.RNode) (*values.Values, error) {
	file, _, _ := kioutil.GetFileAnnotations(cfg)
	doc, err := values.FromObject(file, withFileLines(file, cfg))
	if err != nil {
		return nil, err
	}
	return values.Load(doc)
}

// withFileLines returns cfg as parsed from its own file, so that errors
// carry lines of the file rather than of one document inside it. Readers
// parse each document of a multi-document file on its own.
func withFileLines(file string, cfg *yaml.RNode) *yaml.RNode {
	data, err := os.ReadFile(file)
	if err != nil {
		return cfg
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if dec.Decode(&doc) != nil {
			return cfg
		}
		n := yaml.NewRNode(&doc)
		if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
			n = yaml.NewRNode(doc.Content[0])
		}
		if n.GetKind() == cfg.GetKind() && n.GetApiVersion() == cfg.GetApiVersion() && n.GetName() == cfg.GetName() {
			return n
		}
	}
}

// isKRM tells a file of Kubernetes objects from a plain values file.
func isKRM(data []byte) bool {
	var probe struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	if err := yaml.Unmarshal(data, &probe); err != nil {
		return bytes.HasPrefix(bytes.TrimSpace(data), []byte("---"))
	}
	return probe.APIVersion != "" && probe.Kind != ""
}

// platform finds the one VDIPlatform among the items.
func platform(path string, items []*yaml.RNode) (*yaml.RNode, error) {
	var found []*yaml.RNode
	for _, it := range items {
		if it.GetKind() == values.PlatformKind && it.GetApiVersion() == values.PlatformAPIVersion {
			found = append(found, it)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, values.FieldError{File: path, Message: fmt.Sprintf("no %s %s found: a package needs one", values.PlatformAPIVersion, values.PlatformKind)}
	default:
		return nil, values.FieldError{File: path, Message: fmt.Sprintf("%d %s objects found: a package holds exactly one", len(found), values.PlatformKind)}
	}
}

// internalAnnotations are set by readers and orchestrators, never applied.
var internalAnnotations = []string{
	kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.IdAnnotation, kioutil.SeqIndentAnnotation,
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.LegacyIdAnnotation,
	kioutil.InternalAnnotationsMigrationResourceIDAnnotation,
}

// Clean drops local-config objects (the VDIPlatform, Kptfiles) and the
// internal annotations, leaving what a cluster should receive.
func Clean(items []*yaml.RNode) ([]*yaml.RNode, error) {
	items, err := (&filters.IsLocalConfig{}).Filter(items)
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		if isToolConfig(it) {
			continue
		}
		for _, a := range internalAnnotations {
			if err := it.PipeE(yaml.ClearAnnotation(a)); err != nil {
				return nil, err
			}
		}
		if md := it.Field("metadata"); md != nil {
			if an := md.Value.Field("annotations"); an != nil && len(an.Value.YNode().Content) == 0 {
				if err := md.Value.PipeE(yaml.Clear("annotations")); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// isToolConfig tells the files of kpt and kustomize that sit in a package
// but never reach a cluster.
func isToolConfig(it *yaml.RNode) bool {
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

// WriteDir writes one file per object under dir, named
// [namespace/]kind_name.yaml so that reviewers see stable paths.
func WriteDir(dir string, items []*yaml.RNode) error {
	for _, it := range items {
		m, err := it.GetMeta()
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(kioutil.CreatePathAnnotationValue("", m)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := Write(&buf, []*yaml.RNode{it}); err != nil {
			return err
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
