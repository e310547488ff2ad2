package transformers

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/ynode"
)

// Storage keeps every volume on K3s's local-path provisioner: claims,
// StatefulSet claim templates, VDI session storage and sub-chart values.
// local-path is node-local, so access modes other than ReadWriteOnce(Pod) and
// block volumes cannot be served; those are errors, never silent changes.
type Storage struct{}

// Name implements Rule.
func (Storage) Name() string { return "storage" }

var storageClassKeys = map[string]bool{"storageClass": true, "storageClassName": true, "defaultStorageClass": true}

var localPathModes = []string{"ReadWriteOnce", "ReadWriteOncePod"}

// Check implements Rule.
func (Storage) Check(obj *yaml.RNode, _ *Env) ([]Finding, error) {
	switch {
	case obj.GetKind() == "PersistentVolumeClaim" && obj.GetApiVersion() == "v1":
		var out []Finding
		if md := obj.Field("metadata"); md != nil {
			out = append(out, betaClassFindings(md.Value, "metadata")...)
		}
		if spec := obj.Field("spec"); spec != nil {
			out = append(out, claimFindings(spec.Value, "spec")...)
		}
		return out, nil
	case isTemplate(obj) || (obj.GetKind() == v1alpha1.SessionKind && obj.GetApiVersion() == v1alpha1.APIVersion):
		st, err := ynode.Lookup(obj, "spec", "storage")
		if err != nil || st == nil {
			return nil, err
		}
		if sc := stringField(st, "storageClassName"); sc != platform.StorageClass {
			return []Finding{{Path: "spec.storage.storageClassName", Current: sc, Proposed: platform.StorageClass,
				Message: "session volumes use the local-path storage class", Fix: setString(st, "storageClassName", platform.StorageClass)}}, nil
		}
		return nil, nil
	case obj.GetKind() == "PersistentVolume" && obj.GetApiVersion() == "v1":
		spec := obj.Field("spec")
		if spec == nil {
			return nil, nil
		}
		return volumeFindings(spec.Value), nil
	case isHelmChart(obj):
		return chartValueFindings(obj, storageClassKeys, platform.StorageClass, "sub-chart volumes use the local-path storage class")
	}
	// Claim templates, wherever a kind keeps them: StatefulSets and their
	// look-alikes in other groups (spec.volumeClaimTemplates), and generic
	// ephemeral volumes in any pod spec.
	var out []Finding
	if tpls, err := obj.Pipe(yaml.Lookup("spec", "volumeClaimTemplates")); err == nil && tpls != nil {
		out = append(out, claimTemplateFindings(tpls, "spec.volumeClaimTemplates", "")...)
	}
	if ps := podSpecOf(obj); ps != nil && !isTemplate(obj) {
		if vols := ps.node.Field("volumes"); vols != nil {
			out = append(out, claimTemplateFindings(vols.Value, ps.path+".volumes", "ephemeral.volumeClaimTemplate")...)
		}
	}
	return out, nil
}

// claimTemplateFindings checks the claim templates in list, each at sub
// inside its element ("" for the element itself).
func claimTemplateFindings(list *yaml.RNode, path, sub string) []Finding {
	if list.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	var out []Finding
	for i, e := range list.YNode().Content {
		tpl := yaml.NewRNode(e)
		at := fmt.Sprintf("%s[%d]", path, i)
		if sub != "" {
			n, err := tpl.Pipe(yaml.Lookup(strings.Split(sub, ".")...))
			if err != nil || n == nil {
				continue
			}
			tpl, at = n, at+"."+sub
		}
		if md := tpl.Field("metadata"); md != nil {
			out = append(out, betaClassFindings(md.Value, at+".metadata")...)
		}
		if spec := tpl.Field("spec"); spec != nil {
			out = append(out, claimFindings(spec.Value, at+".spec")...)
		}
	}
	return out
}

// betaStorageClass is the annotation that named a claim's class before
// storageClassName; Kubernetes still honours it, ahead of the field.
const betaStorageClass = "volume.beta.kubernetes.io/storage-class"

// betaClassFindings checks the beta storage-class annotation of a claim's
// metadata; the fix removes it, leaving storageClassName to decide.
func betaClassFindings(md *yaml.RNode, path string) []Finding {
	an := md.Field("annotations")
	if an == nil {
		return nil
	}
	v := an.Value.Field(betaStorageClass)
	if v == nil || yaml.GetValue(v.Value) == platform.StorageClass {
		return nil
	}
	return []Finding{{Path: path + ".annotations." + betaStorageClass, Current: yaml.GetValue(v.Value),
		Message: "volumes use the local-path storage class: the " + betaStorageClass + " annotation would override storageClassName",
		Fix:     func() error { return an.Value.PipeE(yaml.Clear(betaStorageClass)) }}}
}

// claimFindings checks one PersistentVolumeClaim spec.
func claimFindings(spec *yaml.RNode, path string) []Finding {
	var out []Finding
	if sc := stringField(spec, "storageClassName"); sc != platform.StorageClass {
		out = append(out, Finding{Path: path + ".storageClassName", Current: sc, Proposed: platform.StorageClass,
			Message: "volumes use the local-path storage class", Fix: setString(spec, "storageClassName", platform.StorageClass)})
	}
	if modes := spec.Field("accessModes"); modes != nil {
		for i, n := range modes.Value.YNode().Content {
			m := n.Value
			if !slices.Contains(localPathModes, m) {
				out = append(out, Finding{Path: fmt.Sprintf("%s.accessModes[%d]", path, i), Current: m,
					Message: fmt.Sprintf("local-path volumes are node-local and serve only ReadWriteOnce and ReadWriteOncePod, not %s", m)})
			}
		}
	}
	if vm := stringField(spec, "volumeMode"); vm == "Block" {
		out = append(out, Finding{Path: path + ".volumeMode", Current: vm, Message: "local-path cannot provision block volumes"})
	}
	return out
}

// localSources are the volume sources the local-path provisioner makes.
var localSources = []string{"hostPath", "local"}

// volumeFindings checks a PersistentVolume written by hand: a claim of
// class local-path binds to it (by volumeName, or by class), so it must be
// what local-path would have made, node-local storage of that class.
// Neither can be fixed: the data lives where the volume says.
func volumeFindings(spec *yaml.RNode) []Finding {
	var out []Finding
	if sc := stringField(spec, "storageClassName"); sc != platform.StorageClass {
		out = append(out, Finding{Path: "spec.storageClassName", Current: sc,
			Message: "volumes use the local-path storage class: a PersistentVolume of another class is storage outside it"})
	}
	if spec.YNode().Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(spec.YNode().Content); i += 2 {
		k := spec.YNode().Content[i].Value
		if volumeSourceFields[k] && !slices.Contains(localSources, k) {
			out = append(out, Finding{Path: "spec." + k,
				Message: fmt.Sprintf("volumes use the local-path storage class: a PersistentVolume on %s is not node-local storage (local-path makes hostPath or local volumes)", k)})
		}
	}
	return out
}

// volumeSourceFields are the fields of a PersistentVolumeSpec that name
// where its data lives: the JSON names of corev1.PersistentVolumeSource,
// read from the type so that a source Kubernetes adds is known too.
var volumeSourceFields = func() map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeFor[corev1.PersistentVolumeSource]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out[name] = true
	}
	return out
}()
