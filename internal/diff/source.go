package diff

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/manifest"
)

// Read reads a rendering: a YAML stream file or a directory of YAML files
// (such as `vdirender build -o DIR` writes), through the input gate. A
// stream may be as large as a ResourceList on stdin. Each List in it (any
// object with a top-level items sequence) is read as its items, as build
// reads them; an item that is not an object is an error naming its file.
func Read(p string) ([]*yaml.RNode, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		// Read with their files' paths, for errors, then without.
		items, err := input.ReadPackage(p, input.PackageOptions{MatchFilesGlob: kio.MatchAll})
		if err != nil {
			return nil, err
		}
		var out []*yaml.RNode
		for _, it := range items {
			rel, _, _ := kioutil.GetFileAnnotations(it)
			if err := manifest.ClearInternal(it); err != nil {
				return nil, err
			}
			expanded, err := expand(filepath.Join(p, rel), []*yaml.RNode{it})
			if err != nil {
				return nil, err
			}
			out = append(out, expanded...)
		}
		return out, nil
	}
	data, err := input.ReadFile(p, input.MaxStreamBytes)
	if err != nil {
		return nil, err
	}
	return parse(p, data)
}

// ParseGit parses the objects of files GitFiles read, Lists expanded as
// Read expands them.
func ParseGit(files []input.File) ([]*yaml.RNode, error) {
	var out []*yaml.RNode
	for _, f := range files {
		items, err := parse(f.Path, f.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// parse reads the objects of one file, Lists expanded. kyaml's unwrapping
// of a lone List is off: it would take any item, even one that is not an
// object, where the expansion checks each.
func parse(file string, data []byte) ([]*yaml.RNode, error) {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true, DisableUnwrapping: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return expand(file, items)
}

// expand replaces each List among the objects of file by its items.
func expand(file string, items []*yaml.RNode) ([]*yaml.RNode, error) {
	out, err := manifest.ExpandLists(items)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return out, nil
}
