// Package source reads what vdirender renders: a package directory holding
// one VDIPlatform, a file of objects, or a plain values file, every byte
// through the input gate.
package source

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

// Objects reads the objects of a package directory or a file.
func Objects(path string) ([]*yaml.RNode, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		items, err := input.ReadPackage(path, input.PackageOptions{MatchFilesGlob: kio.MatchAll, PreserveSeqIndent: true})
		if err != nil {
			return nil, values.InputError(err)
		}
		for _, it := range items {
			p, _, _ := kioutil.GetFileAnnotations(it)
			if err := it.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, filepath.ToSlash(filepath.Join(path, p)))); err != nil {
				return nil, err
			}
		}
		return items, nil
	}
	data, err := input.ReadFile(path, values.MaxBytes)
	if err != nil {
		return nil, values.InputError(err)
	}
	return fileObjects(path, data)
}

// fileObjects parses the objects of a file read through the gate.
func fileObjects(path string, data []byte) ([]*yaml.RNode, error) {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(data), SetAnnotations: map[string]string{kioutil.PathAnnotation: filepath.ToSlash(path)}, PreserveSeqIndent: true}).Read()
	if err != nil {
		return nil, values.FieldError{File: path, Message: err.Error()}
	}
	return items, nil
}

// Load reads the input and its values: no items for a plain values file,
// else the objects of the package or file and the VDIPlatform among them.
func Load(path string) (items []*yaml.RNode, v *values.Values, cfg *yaml.RNode, err error) {
	items, v, err = load(path)
	if err != nil || v != nil {
		return nil, v, nil, err
	}
	if cfg, err = Platform(path, items); err != nil {
		return nil, nil, nil, err
	}
	v, err = PlatformValues(cfg)
	return items, v, cfg, err
}

// load reads a plain values file into values, or the objects of a file or
// package, each read once through the gate.
func load(path string) ([]*yaml.RNode, *values.Values, error) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		items, err := Objects(path)
		return items, nil, err
	}
	data, err := input.ReadFile(path, values.MaxBytes)
	if err != nil {
		return nil, nil, values.InputError(err)
	}
	if isKRM(data) {
		items, err := fileObjects(path, data)
		return items, nil, err
	}
	doc, err := values.Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	v, err := values.Load(doc)
	return nil, v, err
}

// PlatformValues loads the values of a VDIPlatform read from a file.
func PlatformValues(cfg *yaml.RNode) (*values.Values, error) {
	file, _, _ := kioutil.GetFileAnnotations(cfg)
	doc, err := values.FromObject(file, withFileLines(file, cfg))
	if err != nil {
		return nil, err
	}
	return values.Load(doc)
}

// withFileLines returns cfg as parsed from its own file, so that errors
// carry lines of the file rather than of one document inside it. Readers
// parse each document of a multi-document file on its own. The file is
// read again through the gate; if it is refused now, the lines stay those
// of the document.
func withFileLines(file string, cfg *yaml.RNode) *yaml.RNode {
	data, err := input.ReadFile(file, values.MaxBytes)
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

// Platform finds the one VDIPlatform among the items.
func Platform(path string, items []*yaml.RNode) (*yaml.RNode, error) {
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

// PackageDir is the directory vendored charts are read from: the package
// itself, or the directory of a values file.
func PackageDir(p string) string {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return p
	}
	return filepath.Dir(p)
}

// Renders says whether path is something vdirender renders (a plain values
// file, or a file or package holding a VDIPlatform) rather than objects
// already rendered, such as a directory build -o wrote.
func Renders(path string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		data, err := input.ReadFile(path, input.MaxStreamBytes)
		if err != nil {
			return false, values.InputError(err)
		}
		if !isKRM(data) {
			return true, nil
		}
		items, err := fileObjects(path, data)
		return err == nil && HoldsPlatform(items), err
	}
	items, err := Objects(path)
	return err == nil && HoldsPlatform(items), err
}

// RendersFiles is Renders for files read from elsewhere (a git revision):
// one file that is a plain values file, or files of which one holds a
// VDIPlatform.
func RendersFiles(files []input.File) bool {
	for _, f := range files {
		if len(files) == 1 && !isKRM(f.Data) {
			return true
		}
		items, err := (&kio.ByteReader{Reader: bytes.NewReader(f.Data)}).Read()
		if err == nil && HoldsPlatform(items) {
			return true
		}
	}
	return false
}

// HoldsPlatform says whether a VDIPlatform is among items.
func HoldsPlatform(items []*yaml.RNode) bool {
	for _, it := range items {
		if it.GetKind() == values.PlatformKind && it.GetApiVersion() == values.PlatformAPIVersion {
			return true
		}
	}
	return false
}
