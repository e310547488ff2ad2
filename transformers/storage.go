package transformers

import (
	"fmt"
	"slices"

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
		if spec := obj.Field("spec"); spec != nil {
			return claimFindings(spec.Value, "spec"), nil
		}
	case obj.GetKind() == "StatefulSet":
		f := obj.Field("spec")
		if f == nil {
			return nil, nil
		}
		tpls := f.Value.Field("volumeClaimTemplates")
		if tpls == nil {
			return nil, nil
		}
		elems, err := tpls.Value.Elements()
		if err != nil {
			return nil, err
		}
		var out []Finding
		for i, e := range elems {
			if spec := e.Field("spec"); spec != nil {
				out = append(out, claimFindings(spec.Value, fmt.Sprintf("spec.volumeClaimTemplates[%d].spec", i))...)
			}
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
	default:
		return chartValueFindings(obj, storageClassKeys, platform.StorageClass, "sub-chart volumes use the local-path storage class")
	}
	return nil, nil
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
