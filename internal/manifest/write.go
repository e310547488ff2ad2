package manifest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
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
		if IsLocalConfig(it) || isToolConfig(it) {
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
