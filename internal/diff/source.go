package diff

import (
	"bytes"
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/input"
)

// Read reads a rendering: a YAML stream file or a directory of YAML files
// (such as `vdirender build -o DIR` writes), through the input gate. A
// stream may be as large as a ResourceList on stdin.
func Read(p string) ([]*yaml.RNode, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return input.ReadPackage(p, input.PackageOptions{MatchFilesGlob: kio.MatchAll, OmitReaderAnnotations: true})
	}
	data, err := input.ReadFile(p, input.MaxStreamBytes)
	if err != nil {
		return nil, err
	}
	return (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
}

// ParseGit parses the objects of files GitFiles read.
func ParseGit(files []input.File) ([]*yaml.RNode, error) {
	var out []*yaml.RNode
	for _, f := range files {
		items, err := (&kio.ByteReader{Reader: bytes.NewReader(f.Data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		out = append(out, items...)
	}
	return out, nil
}
