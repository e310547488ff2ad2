package apply

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
)

// The ApplySet specification (KEP-3659, the labels and annotations
// `kubectl apply --prune --applyset` reads): a parent object carries the
// set's id, the tool that owns it, the group-kinds and the namespaces its
// members are in; every member carries the id in its part-of label. Any
// tool that reads the spec lists the same members.
const (
	LabelID                  = "applyset.kubernetes.io/id"
	LabelPartOf              = "applyset.kubernetes.io/part-of"
	AnnotationTooling        = "applyset.kubernetes.io/tooling"
	AnnotationGroupKinds     = "applyset.kubernetes.io/contains-group-kinds"
	AnnotationNamespaces     = "applyset.kubernetes.io/additional-namespaces"
	toolName                 = "vdirender"
	parentKind, parentGroup  = "Secret", ""
	parentVersion            = "v1"
	applySetIDPartsDelimiter = "."
)

// ID is the ApplySet id of the parent Secret namespace/name: the spec's
// base64url(sha256(<name>.<namespace>.<kind>.<group>)) between "applyset-"
// and "-v1".
func ID(namespace, name string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{name, namespace, parentKind, parentGroup}, applySetIDPartsDelimiter)))
	return "applyset-" + base64.RawURLEncoding.EncodeToString(sum[:]) + "-v1"
}

// set is what an ApplySet holds: group-kinds and namespaces.
type set struct {
	groupKinds map[schema.GroupKind]bool
	namespaces map[string]bool
}

func newSet() set { return set{map[schema.GroupKind]bool{}, map[string]bool{}} }

func setOf(objs []*unstructured.Unstructured) set {
	s := newSet()
	for _, o := range objs {
		s.groupKinds[o.GroupVersionKind().GroupKind()] = true
		if ns := o.GetNamespace(); ns != "" {
			s.namespaces[ns] = true
		}
	}
	return s
}

func (s set) union(o set) set {
	out := newSet()
	for _, x := range []set{s, o} {
		for gk := range x.groupKinds {
			out.groupKinds[gk] = true
		}
		for ns := range x.namespaces {
			out.namespaces[ns] = true
		}
	}
	return out
}

// groupKindsValue is the contains-group-kinds annotation: Kind.group,
// sorted, comma-separated (Kind alone for the core group).
func (s set) groupKindsValue() string {
	var out []string
	for gk := range s.groupKinds {
		out = append(out, gk.String())
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// namespacesValue lists the namespaces other than the parent's.
func (s set) namespacesValue(parentNS string) string {
	var out []string
	for ns := range s.namespaces {
		if ns != parentNS {
			out = append(out, ns)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// parent is the ApplySet's parent Secret.
type parent struct {
	namespace, name, id string
	secret              *corev1.Secret
}

// readParent reads the parent and what it says the set holds; a parent of
// another tool, or a Secret of that name that is no parent, is refused.
func readParent(ctx context.Context, cl *kubeclient.Client, namespace, name string) (*parent, set, error) {
	p := &parent{namespace: namespace, name: name, id: ID(namespace, name)}
	s, err := cl.Kube.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return p, newSet(), nil
	}
	if err != nil {
		return nil, set{}, err
	}
	if s.Labels[LabelID] != p.id {
		return nil, set{}, fmt.Errorf("Secret %s/%s exists and is not the parent of ApplySet %s (its %s label is %q): choose another --name", namespace, name, name, LabelID, s.Labels[LabelID])
	}
	if tool := s.Annotations[AnnotationTooling]; !strings.HasPrefix(tool, toolName+"/") {
		return nil, set{}, fmt.Errorf("ApplySet %s/%s belongs to %q, not vdirender: vdirender does not change another tool's ApplySet", namespace, name, tool)
	}
	p.secret = s
	current := newSet()
	for _, v := range strings.Split(s.Annotations[AnnotationGroupKinds], ",") {
		if v != "" {
			current.groupKinds[schema.ParseGroupKind(v)] = true
		}
	}
	for _, v := range strings.Split(s.Annotations[AnnotationNamespaces], ",") {
		if v != "" {
			current.namespaces[v] = true
		}
	}
	return p, current, nil
}

// write records on the parent that the set holds s; it is written before
// members are added (the union) and after pruning (exactly the members).
func (p *parent) write(ctx context.Context, cl *kubeclient.Client, s set, tooling string) error {
	want := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: parentVersion, Kind: parentKind},
		ObjectMeta: metav1.ObjectMeta{Name: p.name, Namespace: p.namespace,
			Labels: map[string]string{LabelID: p.id},
			Annotations: map[string]string{
				AnnotationTooling:    tooling,
				AnnotationGroupKinds: s.groupKindsValue(),
				AnnotationNamespaces: s.namespacesValue(p.namespace),
			}},
		Type: "vdirender.dev/applyset",
	}
	u, err := toUnstructured(want)
	if err != nil {
		return err
	}
	return cl.Apply(ctx, kubeclient.FieldManager, u, false)
}

// members lists the live objects labelled as members of the set, looking
// through the group-kinds and namespaces of s.
func members(ctx context.Context, cl *kubeclient.Client, id, parentNS string, s set) ([]*unstructured.Unstructured, error) {
	selector := metav1.ListOptions{LabelSelector: LabelPartOf + "=" + id}
	namespaces := []string{parentNS}
	for _, ns := range slices.Sorted(maps.Keys(s.namespaces)) {
		if ns != parentNS {
			namespaces = append(namespaces, ns)
		}
	}
	var out []*unstructured.Unstructured
	gks := make([]schema.GroupKind, 0, len(s.groupKinds))
	for gk := range s.groupKinds {
		gks = append(gks, gk)
	}
	sort.Slice(gks, func(i, j int) bool { return gks[i].String() < gks[j].String() })
	for _, gk := range gks {
		m, err := cl.MappingFor(gk)
		if meta.IsNoMatchError(err) {
			continue // its CRD is gone, and its objects with it
		}
		if err != nil {
			return nil, err
		}
		if m.Scope.Name() != meta.RESTScopeNameNamespace {
			l, err := cl.Dynamic.Resource(m.Resource).List(ctx, selector)
			if err != nil {
				return nil, err
			}
			out = append(out, items(l)...)
			continue
		}
		for _, ns := range namespaces {
			l, err := cl.Dynamic.Resource(m.Resource).Namespace(ns).List(ctx, selector)
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, items(l)...)
		}
	}
	return out, nil
}

func items(l *unstructured.UnstructuredList) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(l.Items))
	for i := range l.Items {
		out[i] = &l.Items[i]
	}
	return out
}
