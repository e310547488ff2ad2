package diff

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Read reads a rendering: a YAML stream file or a directory of YAML files
// (such as `vdirender build -o DIR` writes).
func Read(p string) ([]*yaml.RNode, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return kio.LocalPackageReader{PackagePath: p, MatchFilesGlob: kio.MatchAll, OmitReaderAnnotations: true, IncludeSubpackages: true}.Read()
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
}

// ReadGit reads the rendering at p (a file or directory, relative to the
// repository root or absolute inside it) as it was at a git revision.
func ReadGit(rev, p string) ([]*yaml.RNode, error) {
	top, err := git("", "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	top = strings.TrimSpace(top)
	var rel string
	if filepath.IsAbs(p) {
		if rel, err = filepath.Rel(top, p); err != nil {
			return nil, err
		}
	} else {
		cwd, err := git("", "rev-parse", "--show-prefix")
		if err != nil {
			return nil, err
		}
		rel = filepath.Join(strings.TrimSpace(cwd), p)
	}
	prefix := filepath.ToSlash(filepath.Clean(rel))
	names, err := git(top, "ls-tree", "-r", "--name-only", rev, "--", prefix)
	if err != nil {
		return nil, err
	}
	var out []*yaml.RNode
	for _, name := range strings.Split(strings.TrimSpace(names), "\n") {
		if name == "" || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		content, err := git(top, "show", rev+":"+name)
		if err != nil {
			return nil, err
		}
		items, err := (&kio.ByteReader{Reader: strings.NewReader(content), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", name, rev, err)
		}
		out = append(out, items...)
	}
	return out, nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
