package transformers

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/internal/ynode"
)

// podSpec is a pod spec found in an object, with its field path.
type podSpec struct {
	node *yaml.RNode
	path string
}

// container is one container of a pod spec (or a VDITemplate's spec, which
// describes its desktop container directly).
type container struct {
	node *yaml.RNode
	path string
	// ephemeral containers may not set resources.
	ephemeral bool
	// init containers run before the others and do not add to the pod's demand.
	init bool
}

func isTemplate(obj *yaml.RNode) bool {
	return obj.GetKind() == v1alpha1.TemplateKind && obj.GetApiVersion() == v1alpha1.APIVersion
}

// podSpecOf returns the pod spec of a workload, or nil.
func podSpecOf(obj *yaml.RNode) *podSpec {
	if isTemplate(obj) {
		if s := obj.Field("spec"); s != nil {
			return &podSpec{node: s.Value, path: "spec"}
		}
		return nil
	}
	p := platform.PodSpecPath(obj)
	if p == nil {
		return nil
	}
	n, err := ynode.Lookup(obj, p...)
	if err != nil || n == nil {
		return nil
	}
	return &podSpec{node: n, path: strings.Join(p, ".")}
}

// containersOf lists every container, init container and ephemeral
// container of a workload; a VDITemplate counts as one container.
func containersOf(obj *yaml.RNode) []container {
	ps := podSpecOf(obj)
	if ps == nil {
		return nil
	}
	if isTemplate(obj) {
		return []container{{node: ps.node, path: ps.path}}
	}
	var out []container
	for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
		f := ps.node.Field(list)
		if f == nil {
			continue
		}
		elems, err := f.Value.Elements()
		if err != nil {
			continue
		}
		for i, e := range elems {
			out = append(out, container{node: e, path: ps.path + "." + list + "[" + strconv.Itoa(i) + "]", ephemeral: list == "ephemeralContainers", init: list == "initContainers"})
		}
	}
	return out
}

// stringField reads a scalar field of n ("" when absent).
func stringField(n *yaml.RNode, field string) string {
	f := n.Field(field)
	if f == nil || f.Value == nil {
		return ""
	}
	return yaml.GetValue(f.Value)
}

// setString returns a fix that sets n.field to value.
func setString(n *yaml.RNode, field, value string) func() error {
	return func() error { return ynode.SetString(n, field, value) }
}

// builtinGroups are the API groups of the kinds containerDefaults names.
var builtinGroups = map[string]string{
	"Pod": "", "Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "ReplicaSet": "apps",
	"Job": "batch", "CronJob": "batch",
}

// kindOf is the kind whose container defaults apply to obj: its own when it
// is the built-in kind of that name, else the default. A Deployment of
// another API group is not an apps/v1 Deployment.
func kindOf(obj *yaml.RNode) string {
	g, ok := builtinGroups[obj.GetKind()]
	if !ok || platform.Group(obj.GetApiVersion()) != g {
		return values.DefaultKind
	}
	return obj.GetKind()
}

// isKind tells whether obj is kind in the API group group.
func isKind(obj *yaml.RNode, group, kind string) bool {
	return obj.GetKind() == kind && platform.Group(obj.GetApiVersion()) == group
}
