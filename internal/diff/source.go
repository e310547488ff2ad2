package diff

import (
	"bytes"
	"fmt"
	"os"
	"strings"

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

// ReadGit reads the rendering at p (a file or directory, relative to the
// repository root or absolute inside it) as it was at a git revision,
// through the input gate.
func ReadGit(rev, p string) ([]*yaml.RNode, error) {
	files, err := input.GitFiles(rev, p, func(name string) bool {
		return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
	})
	if err != nil {
		return nil, err
	}
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
