package transformers

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/values"
)

// Pinning refuses what would drift: a HelmChart without a repository or with
// a version that is a range, "latest" or empty, and an image without a tag
// or tagged latest (unless pinned by digest). With IfNotPresent such an
// image would never be refreshed, so the cluster would run whatever it
// pulled first. Nothing here can be fixed for the user: they are errors.
type Pinning struct{}

// Name implements Rule.
func (Pinning) Name() string { return "pinning" }

// Check implements Rule.
func (Pinning) Check(obj *yaml.RNode, _ *Env) ([]Finding, error) {
	if isHelmChart(obj) && obj.GetKind() == "HelmChart" {
		return chartFindings(obj), nil
	}
	var out []Finding
	for _, c := range containersOf(obj) {
		image := stringField(c.node, "image")
		if msg := imageProblem(image); msg != "" {
			out = append(out, Finding{Path: c.path + ".image", Current: image, Message: msg})
		}
	}
	return out, nil
}

func chartFindings(obj *yaml.RNode) []Finding {
	spec := obj.Field("spec")
	if spec == nil {
		return nil
	}
	s := spec.Value
	if stringField(s, "chartContent") != "" {
		return nil // the chart travels inside the object
	}
	chart := stringField(s, "chart")
	if strings.HasPrefix(chart, "https://") || strings.HasPrefix(chart, "http://") {
		return nil // a URL names one archive; the version field is ignored
	}
	var out []Finding
	if !strings.HasPrefix(chart, "oci://") && stringField(s, "repo") == "" {
		out = append(out, Finding{Path: "spec.repo", Message: fmt.Sprintf("chart %q has no repo: pin where it comes from", chart)})
	}
	if v := stringField(s, "version"); !values.IsExactVersion(v) {
		out = append(out, Finding{Path: "spec.version", Current: v,
			Message: fmt.Sprintf("chart %q version %q is not exact: pin one release such as 1.2.3, never a range, latest or nothing", chart, v)})
	}
	return out
}

// imageProblem says why an image reference is not pinned, or "".
func imageProblem(image string) string {
	if image == "" {
		return ""
	}
	if strings.Contains(image, "@sha256:") {
		return ""
	}
	name := image
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	tag := ""
	if i := strings.LastIndex(name, ":"); i >= 0 {
		tag = name[i+1:]
	}
	switch tag {
	case "":
		return fmt.Sprintf("image %q has no tag: pin a version or a digest, since IfNotPresent would never refresh it", image)
	case "latest":
		return fmt.Sprintf("image %q is tagged latest: pin a version or a digest, since IfNotPresent would never refresh it", image)
	}
	return ""
}
