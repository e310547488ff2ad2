// Package scaffold turns a plain values file into a package the GitOps
// tools run vdirender on: a VDIPlatform whose spec is the values (comments
// kept), and a Kptfile, a kustomization or an Argo CD Application beside
// it. `vdirender init` calls it.
package scaffold

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	yaml "go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	kustomize "sigs.k8s.io/kustomize/api/types"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/apis/argocd"
	"github.com/vdirender/vdirender/internal/apis/kpt"
	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/values"
)

// Tools a package is made for.
const (
	Plain     = ""
	Kpt       = "kpt"
	Kustomize = "kustomize"
	ArgoCD    = "argocd"
)

// PlatformFile is the VDIPlatform's file in the package.
const PlatformFile = "platform.yaml"

// ArgoPlugin is the config-management plugin name Argo CD gives the
// plugin of examples/argocd (name-version).
const ArgoPlugin = "vdirender-v1.0"

// Starter is the values of a package made without --from: what a
// single-node K3s with one GPU needs, the host names to replace.
const Starter = `# Replace the host names; see the README's "Values" for every key.
global:
  hostname: kasm.example.com
gpu:
  nodePools:
  - {name: single, nodes: 1, gpusPerNode: 1}
vdi:
  templates:
  - name: desktop
    image: ghcr.io/selkies-project/nvidia-egl-desktop:24.04-20241222100454
    nodePool: single
auth:
  # The login in front of the desktops; create Secret vdi-system/vdi-oidc
  # with keys client-secret and cookie-secret first.
  oidc:
    issuerURL: https://login.example.com/realms/vdi
    clientID: vdi-sessions
`

// Options say what to make.
type Options struct {
	// Tool is Plain, Kpt, Kustomize or ArgoCD.
	Tool string
	// From is a values file; empty starts from Starter.
	From string
	// Name is the VDIPlatform's (and package's) name; default DIR's base.
	Name string
	// RepoURL is the Git repository an Argo CD Application reads the package
	// from (ArgoCD only); a placeholder when empty.
	RepoURL string
}

// Write makes the package in dir, which must not exist or be empty, and
// returns the files it wrote. The values are loaded first: values the
// renderer would refuse are refused here, with their lines.
func Write(dir string, o Options) ([]string, error) {
	if !slices.Contains([]string{Plain, Kpt, Kustomize, ArgoCD}, o.Tool) {
		return nil, fmt.Errorf("unknown tool %q: kpt, kustomize or argocd", o.Tool)
	}
	file, src := "starter values", []byte(Starter)
	if o.From != "" {
		var err error
		if src, err = input.ReadFile(o.From, values.MaxBytes); err != nil {
			return nil, err
		}
		file = o.From
	}
	if _, err := values.LoadFile(file, src); err != nil {
		return nil, err
	}
	name := o.Name
	if name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		name = filepath.Base(abs)
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return nil, fmt.Errorf("package name %q: %s (give --name)", name, errs[0])
	}
	// What is there is listed through the input gate (a link is refused).
	if entries, _, err := input.OutputDir(dir, manifest.OwnedList, values.MaxBytes); err != nil {
		return nil, err
	} else if len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty: init writes a new package and never overwrites one", dir)
	}

	platform, err := platformDoc(src, name, o.Tool)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	files := map[string][]byte{PlatformFile: platform}
	switch o.Tool {
	case Kpt:
		files["Kptfile"], err = sigsyaml.Marshal(kptfile(name))
	case Kustomize:
		files["kustomization.yaml"], err = sigsyaml.Marshal(&kustomize.Kustomization{
			TypeMeta:     kustomize.TypeMeta{APIVersion: kustomize.KustomizationVersion, Kind: kustomize.KustomizationKind},
			Generators:   []string{PlatformFile},
			Transformers: []string{PlatformFile},
		})
	case ArgoCD:
		files["application.yaml"], err = sigsyaml.Marshal(application(name, dir, o.RepoURL))
	}
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Inside dir only, new files only: nothing is followed or replaced.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var written []string
	for _, f := range slices.Sorted(maps.Keys(files)) {
		w, err := root.OpenFile(f, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return written, err
		}
		_, err = w.Write(files[f])
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return written, err
		}
		written = append(written, filepath.Join(dir, f))
	}
	return written, nil
}

// platformDoc is the VDIPlatform: metadata written as typed YAML, the
// values as their own YAML node under spec, so their comments stay.
func platformDoc(src []byte, name, tool string) ([]byte, error) {
	annotations := map[string]string{"config.kubernetes.io/local-config": "true"}
	if tool == Kustomize {
		// kustomize runs the VDIPlatform as an exec KRM function.
		annotations["config.kubernetes.io/function"] = "exec:\n  path: vdirender\n"
	}
	head, err := sigsyaml.Marshal(struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        metav1.ObjectMeta `json:"metadata"`
	}{metav1.TypeMeta{APIVersion: values.PlatformAPIVersion, Kind: values.PlatformKind}, metav1.ObjectMeta{Name: name, Annotations: annotations}})
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(head, &doc); err != nil {
		return nil, err
	}
	var spec yaml.Node
	if err := yaml.Unmarshal(src, &spec); err != nil {
		return nil, err
	}
	root := doc.Content[0]
	specValue := spec.Content[0]
	root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "spec", HeadComment: spec.HeadComment}, specValue)
	var out bytes.Buffer
	out.WriteString("# Made by `vdirender init`: the values are the spec; render with\n# `vdirender build " + "<this directory>`.\n")
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return out.Bytes(), enc.Close()
}

func kptfile(name string) *kpt.Kptfile {
	return &kpt.Kptfile{
		TypeMeta: metav1.TypeMeta{APIVersion: "kpt.dev/v1", Kind: "Kptfile"},
		ObjectMeta: metav1.ObjectMeta{Name: name,
			Annotations: map[string]string{"config.kubernetes.io/local-config": "true"}},
		Info: &kpt.PackageInfo{Description: "GPU VDI platform for K3s rendered by vdirender"},
		Pipeline: &kpt.Pipeline{
			// exec runs the vdirender on PATH (kpt fn render --allow-exec);
			// in a container use image: ghcr.io/vdirender/vdirender:<release>.
			Mutators:   []kpt.Function{{Exec: "vdirender", ConfigPath: PlatformFile}},
			Validators: []kpt.Function{{Exec: "vdirender validate", ConfigPath: PlatformFile}},
		},
	}
}

func application(name, dir, repo string) *argocd.Application {
	if repo == "" {
		repo = "https://git.example.com/platform/vdi.git"
	}
	return &argocd.Application{
		TypeMeta: metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "Application"},
		// Local config: it lives beside the platform in Git, is applied
		// once by hand, and the rendering leaves it out (Argo CD must not
		// sync the Application that syncs it).
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "argocd",
			Annotations: map[string]string{"config.kubernetes.io/local-config": "true"}},
		Spec: argocd.ApplicationSpec{
			Project:     "default",
			Source:      argocd.ApplicationSource{RepoURL: repo, TargetRevision: "main", Path: filepath.ToSlash(filepath.Clean(dir)), Plugin: &argocd.Plugin{Name: ArgoPlugin}},
			Destination: argocd.Destination{Server: "https://kubernetes.default.svc"},
			SyncPolicy:  &argocd.SyncPolicy{Automated: &argocd.Automated{Prune: true, SelfHeal: true}, SyncOptions: []string{"ServerSideApply=true"}},
			// The operator suspends sessions by spec.suspend; Git keeps false.
			Ignore: []argocd.ResourceIgnoreDiff{{Group: "vdi.vdirender.dev", Kind: "VDISession", JSONPointers: []string{"/spec/suspend"}}},
		},
	}
}
