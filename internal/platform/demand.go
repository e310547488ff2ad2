package platform

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/ynode"
)

// Demand is the GPU time-slices one object's pods may hold at once.
type Demand struct {
	// Object names the object for messages: Kind/name.
	Object string
	// Pool is the node pool the pods are pinned to; "" means any pool.
	Pool string
	// PerPod is the nvidia.com/gpu one pod asks for, counted as the
	// scheduler counts it.
	PerPod int64
	// Pods is how many pods run at once; ignored when PerNode is set.
	Pods int64
	// PerNode is set for DaemonSets: one pod on every node of the pool.
	PerNode bool
}

// PodGPUs is the nvidia.com/gpu a pod needs to be scheduled, the way the
// scheduler computes it: the larger of the regular containers plus the
// restartable init containers (sidecars), and each init container plus the
// sidecars started before it. Like the API server's defaulting, a limit
// without a request counts as the request (extended resources must have
// them equal). Ephemeral containers never hold resources.
func PodGPUs(spec *corev1.PodSpec) int64 {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers:     withDefaultRequests(spec.Containers),
		InitContainers: withDefaultRequests(spec.InitContainers),
	}}
	q := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{SkipPodLevelResources: true})[GPUResource]
	return q.Value()
}

// ContainerGPUs is the nvidia.com/gpu one container asks for. The API
// server accepts an extended resource only with the request equal to the
// limit, and defaults a missing request to the limit; where an object
// breaks that rule (the gpu rule reports it) the larger counts, so that
// capacity is never overstated.
func ContainerGPUs(r corev1.ResourceRequirements) int64 {
	req, lim := r.Requests[GPUResource], r.Limits[GPUResource]
	return max(req.Value(), lim.Value())
}

// withDefaultRequests copies containers, giving each the request the API
// server would default from its GPU limit.
func withDefaultRequests(cs []corev1.Container) []corev1.Container {
	out := make([]corev1.Container, len(cs))
	for i, c := range cs {
		out[i] = corev1.Container{Name: c.Name, RestartPolicy: c.RestartPolicy, Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{GPUResource: *resourceOf(ContainerGPUs(c.Resources))},
		}}
	}
	return out
}

// workload says where a kind keeps its pod spec and how many pods it runs.
type workload struct {
	spec []string
	// pods reads how many pods run at once; nil means one.
	pods func(obj *yaml.RNode) (int64, *FieldError)
	// perNode marks kinds that run one pod per node.
	perNode bool
}

// kindKey is a kind in its API group ("" for the core group).
type kindKey struct{ group, kind string }

var workloads = map[kindKey]workload{
	{"", "Pod"}:                   {spec: []string{"spec"}},
	{"", "ReplicationController"}: {spec: []string{"spec", "template", "spec"}, pods: replicas},
	// A PodTemplate makes no pods itself, but whatever uses it makes them
	// as it says: checked, never counted.
	{"", "PodTemplate"}:     {spec: []string{"template", "spec"}, pods: func(*yaml.RNode) (int64, *FieldError) { return 0, nil }},
	{"apps", "Deployment"}:  {spec: []string{"spec", "template", "spec"}, pods: replicas},
	{"apps", "ReplicaSet"}:  {spec: []string{"spec", "template", "spec"}, pods: replicas},
	{"apps", "StatefulSet"}: {spec: []string{"spec", "template", "spec"}, pods: replicas},
	{"apps", "DaemonSet"}:   {spec: []string{"spec", "template", "spec"}, perNode: true},
	{"batch", "Job"}:        {spec: []string{"spec", "template", "spec"}, pods: jobPods("spec")},
	{"batch", "CronJob"}:    {spec: []string{"spec", "jobTemplate", "spec", "template", "spec"}, pods: cronJobPods},
}

// genericTemplates are where workload kinds the table does not know keep
// their pod spec, by convention: a pod template (Argo Rollouts, Knative
// Services, OpenKruise, ...), a job template (CronJob look-alikes), or the
// pod spec itself. The first that holds containers is the one.
var genericTemplates = []workload{
	{spec: []string{"spec", "template", "spec"}, pods: replicas},
	{spec: []string{"spec", "jobTemplate", "spec", "template", "spec"}, pods: cronJobPods},
	{spec: []string{"spec"}},
}

// opaqueWorkloads make pods from a spec that is not a pod spec: the rules
// cannot see their containers, so they are refused rather than passed.
var opaqueWorkloads = map[kindKey]string{
	{"kubevirt.io", "VirtualMachine"}:                   "a KubeVirt virtual machine",
	{"kubevirt.io", "VirtualMachineInstance"}:           "a KubeVirt virtual machine",
	{"kubevirt.io", "VirtualMachineInstanceReplicaSet"}: "a KubeVirt virtual machine",
	{"kubevirt.io", "VirtualMachineInstancePreset"}:     "a KubeVirt virtual machine",
	{"pool.kubevirt.io", "VirtualMachinePool"}:          "a KubeVirt virtual machine",
	{"argoproj.io", "Workflow"}:                         "an Argo workflow",
	{"argoproj.io", "CronWorkflow"}:                     "an Argo workflow",
	{"argoproj.io", "WorkflowTemplate"}:                 "an Argo workflow",
	{"argoproj.io", "ClusterWorkflowTemplate"}:          "an Argo workflow",
}

// Unchecked says why the pods obj makes cannot be checked, or "" when they
// can (or it makes none): a kind known to make pods from something other
// than a pod spec, or containers found somewhere other than the pod spec
// the rules read.
func Unchecked(obj *yaml.RNode) string {
	if what, ok := opaqueWorkloads[kindKey{Group(obj.GetApiVersion()), obj.GetKind()}]; ok {
		return fmt.Sprintf("%s %s makes pods from %s, whose containers the rules cannot check", obj.GetApiVersion(), obj.GetKind(), what)
	}
	if isTemplate(obj) || isSession(obj) {
		return ""
	}
	var spec string
	if p := PodSpecPath(obj); p != nil {
		spec = strings.Join(p, ".")
	}
	if path := containersOutside(obj.YNode(), "", spec, 0); path != "" {
		return fmt.Sprintf("containers at %s are outside the pod spec the rules check (%s); the rules cannot check them", path, orNone(spec))
	}
	return ""
}

func orNone(spec string) string {
	if spec == "" {
		return "none found"
	}
	return spec
}

// containersOutside finds a list of containers (mappings with an image)
// in n, not under the pod spec at spec nor in status.
func containersOutside(n *yaml.Node, path, spec string, depth int) string {
	if depth > 40 || (spec != "" && path == spec) || path == "status" {
		return ""
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			p := k
			if path != "" {
				p = path + "." + k
			}
			if (k == "containers" || k == "initContainers" || k == "ephemeralContainers") && v.Kind == yaml.SequenceNode && (spec == "" || path != spec) {
				for _, e := range v.Content {
					if e.Kind == yaml.MappingNode && (yaml.NewRNode(e).Field("image") != nil) {
						return p
					}
				}
			}
			if found := containersOutside(v, p, spec, depth+1); found != "" {
				return found
			}
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			if found := containersOutside(e, fmt.Sprintf("%s[%d]", path, i), spec, depth+1); found != "" {
				return found
			}
		}
	case yaml.DocumentNode:
		for _, e := range n.Content {
			if found := containersOutside(e, path, spec, depth+1); found != "" {
				return found
			}
		}
	}
	return ""
}

// Group is the API group of an apiVersion ("" for the core group).
func Group(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// workloadOf finds how obj makes pods: a known kind in its own API group,
// or any other object with a pod template at spec.template.spec.
func workloadOf(obj *yaml.RNode) (workload, bool) {
	if w, ok := workloads[kindKey{Group(obj.GetApiVersion()), obj.GetKind()}]; ok {
		return w, true
	}
	if isTemplate(obj) || isSession(obj) {
		return workload{}, false
	}
	if _, opaque := opaqueWorkloads[kindKey{Group(obj.GetApiVersion()), obj.GetKind()}]; opaque {
		return workload{}, false
	}
	for _, w := range genericTemplates {
		if n, err := ynode.Lookup(obj, append(slices.Clone(w.spec), "containers")...); err == nil && n != nil && n.YNode().Kind == yaml.SequenceNode {
			return w, true
		}
	}
	return workload{}, false
}

// PodSpecPath is where obj keeps the spec of the pods it makes, or nil when
// it makes none.
func PodSpecPath(obj *yaml.RNode) []string {
	if w, ok := workloadOf(obj); ok {
		return w.spec
	}
	return nil
}

// FieldError is a field of an object that cannot be read the way
// Kubernetes would decode it.
type FieldError struct {
	Path    string
	Message string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Message }

// DemandOf reads the GPU demand of one pod-producing object; ok is false
// when it makes no pods or its pods ask for no GPU. VDITemplates and
// VDISessions are read by Demands, which joins them.
func DemandOf(obj *yaml.RNode) (d Demand, ok bool, ferr *FieldError) {
	w, found := workloadOf(obj)
	if !found {
		return Demand{}, false, nil
	}
	specNode, err := ynode.Lookup(obj, w.spec...)
	if err != nil || specNode == nil {
		return Demand{}, false, nil
	}
	specPath := strings.Join(w.spec, ".")
	perPod, ferr := specGPUs(specNode, specPath)
	if ferr != nil || perPod == 0 {
		return Demand{}, false, ferr
	}
	d = Demand{Object: obj.GetKind() + "/" + obj.GetName(), PerPod: perPod, Pods: 1, PerNode: w.perNode, Pool: poolOf(specNode)}
	if w.pods != nil && !w.perNode {
		if d.Pods, ferr = w.pods(obj); ferr != nil {
			return Demand{}, false, ferr
		}
	}
	return d, true, nil
}

// specGPUs reads the GPU a pod spec node asks for. Only the containers'
// names, restart policies and resources are decoded, and only when a GPU
// is named at all: most objects cost one look at each container.
func specGPUs(spec *yaml.RNode, path string) (int64, *FieldError) {
	if !mentionsGPU(spec) {
		return 0, nil
	}
	var typed corev1.PodSpec
	for _, list := range []string{"containers", "initContainers"} {
		f := spec.Field(list)
		if f == nil {
			continue
		}
		elems, err := f.Value.Elements()
		if err != nil {
			return 0, &FieldError{path + "." + list, "is not a list of containers"}
		}
		for i, e := range elems {
			var c corev1.Container
			for _, field := range []string{"resources", "restartPolicy"} {
				fn := e.Field(field)
				if fn == nil {
					continue
				}
				if field == "resources" {
					if r, ok := fastResources(fn.Value.YNode()); ok {
						c.Resources = r
						continue
					}
				} else if p, ok := fastString(fn.Value.YNode()); ok {
					rp := corev1.ContainerRestartPolicy(p)
					c.RestartPolicy = &rp
					continue
				}
				at := fmt.Sprintf("%s.%s[%d].%s", path, list, i, field)
				if ferr := decode(fn.Value, field, &c, at); ferr != nil {
					return 0, ferr
				}
			}
			if list == "containers" {
				typed.Containers = append(typed.Containers, c)
			} else {
				typed.InitContainers = append(typed.InitContainers, c)
			}
		}
	}
	return PodGPUs(&typed), nil
}

// mentionsGPU tells whether any container of a pod spec names the GPU
// resource in its requests or limits.
func mentionsGPU(spec *yaml.RNode) bool {
	for _, list := range []string{"containers", "initContainers"} {
		f := spec.Field(list)
		if f == nil || f.Value.YNode().Kind != yaml.SequenceNode {
			continue
		}
		for _, c := range f.Value.YNode().Content {
			res := yaml.NewRNode(c).Field("resources")
			if res == nil {
				continue
			}
			for _, section := range []string{"requests", "limits"} {
				if s := res.Value.Field(section); s != nil && s.Value.Field(string(GPUResource)) != nil {
					return true
				}
			}
		}
	}
	return false
}

// decode reads one field's node as Kubernetes would: YAML to JSON the way
// kubectl converts it, then JSON into the typed field of into.
func decode(n *yaml.RNode, field string, into any, path string) *FieldError {
	wrapper := yaml.NewMapRNode(nil)
	if err := wrapper.PipeE(yaml.SetField(field, n)); err != nil {
		return &FieldError{path, err.Error()}
	}
	text, err := wrapper.String()
	if err != nil {
		return &FieldError{path, err.Error()}
	}
	data, err := sigsyaml.YAMLToJSON([]byte(text))
	if err != nil {
		return &FieldError{path, err.Error()}
	}
	if err := json.Unmarshal(data, into); err != nil {
		return &FieldError{path, "Kubernetes cannot read this value: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	return nil
}

// int32At reads an optional int32 field at path, as Kubernetes decodes it.
func int32At(obj *yaml.RNode, path ...string) (*int32, *FieldError) {
	n, err := ynode.Lookup(obj, path...)
	if err != nil || n == nil {
		return nil, nil
	}
	var v struct {
		V *int32 `json:"v"`
	}
	at := strings.Join(path, ".")
	if i, ok := fastInt32(n.YNode()); ok {
		v.V = i
	} else if ferr := decode(n, "v", &v, at); ferr != nil {
		return nil, ferr
	}
	if v.V != nil && *v.V < 0 {
		return nil, &FieldError{at, fmt.Sprintf("must not be negative, not %d", *v.V)}
	}
	return v.V, nil
}

// boolAt reads an optional bool field at path, as Kubernetes decodes it.
func boolAt(obj *yaml.RNode, path ...string) (bool, *FieldError) {
	n, err := ynode.Lookup(obj, path...)
	if err != nil || n == nil {
		return false, nil
	}
	if b, ok := fastBool(n.YNode()); ok {
		return b, nil
	}
	var v struct {
		V *bool `json:"v"`
	}
	if ferr := decode(n, "v", &v, strings.Join(path, ".")); ferr != nil {
		return false, ferr
	}
	return v.V != nil && *v.V, nil
}

// replicas is spec.replicas, 1 when unset.
func replicas(obj *yaml.RNode) (int64, *FieldError) {
	r, ferr := int32At(obj, "spec", "replicas")
	if ferr != nil || r == nil {
		return 1, ferr
	}
	return int64(*r), nil
}

// jobPods is how many pods a Job spec at prefix runs at once: parallelism
// (1 when unset), never more than the completions it still needs, none
// while suspended.
func jobPods(prefix ...string) func(*yaml.RNode) (int64, *FieldError) {
	return func(obj *yaml.RNode) (int64, *FieldError) {
		suspended, ferr := boolAt(obj, append(prefix, "suspend")...)
		if ferr != nil || suspended {
			return 0, ferr
		}
		par, ferr := int32At(obj, append(prefix, "parallelism")...)
		if ferr != nil {
			return 0, ferr
		}
		completions, ferr := int32At(obj, append(prefix, "completions")...)
		if ferr != nil {
			return 0, ferr
		}
		pods := int64(1)
		if par != nil {
			pods = int64(*par)
		}
		if completions != nil && int64(*completions) < pods {
			pods = int64(*completions)
		}
		return pods, nil
	}
}

// cronJobPods is the pods of one run of a CronJob; a suspended CronJob
// starts none. Runs that overlap (concurrencyPolicy Allow) are not counted.
func cronJobPods(obj *yaml.RNode) (int64, *FieldError) {
	suspended, ferr := boolAt(obj, "spec", "suspend")
	if ferr != nil || suspended {
		return 0, ferr
	}
	return jobPods("spec", "jobTemplate", "spec")(obj)
}

// poolOf is the pool a pod spec selects with the pool label, or "".
func poolOf(spec *yaml.RNode) string {
	n, err := ynode.Lookup(spec, "nodeSelector", PoolLabel)
	if err != nil || n == nil {
		return ""
	}
	return yaml.GetValue(n)
}

func isTemplate(obj *yaml.RNode) bool {
	return obj.GetKind() == v1alpha1.TemplateKind && obj.GetApiVersion() == v1alpha1.APIVersion
}

func isSession(obj *yaml.RNode) bool {
	return obj.GetKind() == v1alpha1.SessionKind && obj.GetApiVersion() == v1alpha1.APIVersion
}

// ObjectError is a FieldError in one of the objects Demands read.
type ObjectError struct {
	Object *yaml.RNode
	*FieldError
}

// Demands reads the GPU demand of every pod-producing object among items
// and of every VDISession, through its VDITemplate in the same namespace.
// owners[i] is the object demands[i] comes from.
func Demands(items []*yaml.RNode) (demands []Demand, owners []*yaml.RNode, errs []ObjectError) {
	templates := map[string]Demand{} // namespace/name -> one session's demand
	for _, it := range items {
		if isTemplate(it) {
			spec := it.Field("spec")
			if spec == nil {
				continue
			}
			var t struct {
				Resources    corev1.ResourceRequirements `json:"resources"`
				NodeSelector map[string]string           `json:"nodeSelector"`
				WarmPool     *v1alpha1.WarmPool          `json:"warmPool"`
			}
			for _, field := range []string{"resources", "nodeSelector", "warmPool"} {
				if f := spec.Value.Field(field); f != nil {
					if field == "resources" {
						if r, ok := fastResources(f.Value.YNode()); ok {
							t.Resources = r
							continue
						}
					} else if m, ok := fastStringMap(f.Value.YNode()); ok {
						t.NodeSelector = m
						continue
					}
					if ferr := decode(f.Value, field, &t, "spec."+field); ferr != nil {
						errs = append(errs, ObjectError{it, ferr})
					}
				}
			}
			if g := ContainerGPUs(t.Resources); g > 0 {
				d := Demand{PerPod: g, Pods: 1, Pool: t.NodeSelector[PoolLabel]}
				templates[it.GetNamespace()+"/"+it.GetName()] = d
				// Each warm desktop holds its slices: the pool at its peak.
				if peak := t.WarmPool.Peak(); peak > 0 {
					d.Object, d.Pods = it.GetKind()+"/"+it.GetName()+" warm pool", int64(peak)
					demands = append(demands, d)
					owners = append(owners, it)
				}
			}
			continue
		}
		d, ok, ferr := DemandOf(it)
		if ferr != nil {
			errs = append(errs, ObjectError{it, ferr})
		}
		if ok {
			demands = append(demands, d)
			owners = append(owners, it)
		}
	}
	for _, it := range items {
		if !isSession(it) {
			continue
		}
		tpl, err := ynode.Lookup(it, "spec", "template")
		if err != nil || tpl == nil {
			continue
		}
		if d, ok := templates[it.GetNamespace()+"/"+yaml.GetValue(tpl)]; ok {
			d.Object = it.GetKind() + "/" + it.GetName()
			demands = append(demands, d)
			owners = append(owners, it)
		}
	}
	return demands, owners, errs
}

func resourceOf(v int64) *resource.Quantity { return resource.NewQuantity(v, resource.DecimalSI) }
