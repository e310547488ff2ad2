// Package apply installs a rendering on a cluster for teams without a
// GitOps controller, the Kubernetes way of `helm upgrade --atomic` and
// `helm rollback`: server-side apply with vdirender's field manager, CRDs
// and namespaces first and waited for, the objects of the rendering
// tracked as an ApplySet (applyset.go) so that what a new rendering no
// longer holds is pruned, each apply recorded as a revision in the cluster
// (history.go), and one apply at a time (lease.go).
package apply

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/ynode"
)

// Options of an apply.
type Options struct {
	// Name of the ApplySet: its parent Secret, revisions and Lease are
	// named after it in Namespace.
	Name, Namespace string
	// Tooling is the tooling annotation: vdirender/<version>.
	Tooling string
	// Wait for the rollout, at most Timeout.
	Wait    bool
	Timeout time.Duration
	// Atomic: a failed or timed-out rollout re-applies the last deployed
	// revision and prunes what the failed one added.
	Atomic bool
	// DryRun sends every object as a server-side dry-run and lists what
	// would be pruned; nothing changes.
	DryRun bool
	// HistoryMax bounds the revisions kept.
	HistoryMax int
	// Description of the revision.
	Description string
	// Progress receives a line per step.
	Progress io.Writer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Report says what an apply did.
type Report struct {
	Revision int
	Applied  int
	// Pruned are the objects deleted, or that a dry-run would delete.
	Pruned []string
	// Skipped are objects a dry-run could not check: their namespace or
	// CRD comes with the rendering.
	Skipped []string
	// RolledBack: an atomic apply failed and went back to RolledBackTo
	// (0: to nothing, no revision was deployed before).
	RolledBack   bool
	RolledBackTo int
}

func (o *Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o *Options) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// Apply applies objs (a whole rendering, in its order) as revision N+1 of
// the ApplySet.
func Apply(ctx context.Context, cl *kubeclient.Client, objs []*unstructured.Unstructured, opts Options) (*Report, error) {
	if opts.HistoryMax < 1 {
		return nil, fmt.Errorf("the history must keep at least one revision")
	}
	if err := checkUnique(objs); err != nil {
		return nil, err
	}
	if opts.DryRun {
		return dryRun(ctx, cl, objs, opts)
	}
	l, err := acquire(ctx, cl, opts.Namespace, opts.Name, opts.now)
	if err != nil {
		return nil, err
	}
	defer l.release()
	// Refusals come before anything is applied or recorded: a set another
	// tool owns keeps no revision of ours, nor does one we were refused.
	if _, _, err := preflight(ctx, cl, objs, opts); err != nil {
		return nil, err
	}

	revs, err := History(ctx, cl, opts.Namespace, opts.Name)
	if err != nil {
		return nil, err
	}
	n := nextNumber(revs)
	manifest, err := encode(objs)
	if err != nil {
		return nil, err
	}
	report, rollErr := rollout(ctx, cl, objs, opts)
	if rollErr == nil {
		report.Revision = n
		desc := opts.Description
		if desc == "" {
			desc = "apply"
		}
		return report, record(ctx, cl, opts.Namespace, opts.Name, n, StatusDeployed, desc, manifest, len(objs), opts.HistoryMax, opts.now())
	}
	if err := record(ctx, cl, opts.Namespace, opts.Name, n, StatusFailed, "failed: "+rollErr.Error(), manifest, len(objs), opts.HistoryMax, opts.now()); err != nil {
		return nil, errors.Join(rollErr, err)
	}
	if !opts.Atomic {
		return nil, fmt.Errorf("revision %d: %w", n, rollErr)
	}
	// Atomic: back to the last deployed revision, or to nothing.
	prev := lastDeployed(revs)
	var back []*unstructured.Unstructured
	to := 0
	if prev != nil {
		to = prev.Number
		m, err := prev.Manifest()
		if err != nil {
			return nil, errors.Join(rollErr, err)
		}
		if back, err = Decode(m); err != nil {
			return nil, errors.Join(rollErr, err)
		}
	}
	opts.say("rollout of revision %d failed: %v; rolling back to %s", n, rollErr, describeRevision(to))
	backOpts := opts
	backOpts.Atomic = false
	if _, err := rollout(ctx, cl, back, backOpts); err != nil {
		return nil, fmt.Errorf("revision %d: %w; the rollback to %s failed too: %v", n, rollErr, describeRevision(to), err)
	}
	backManifest, err := encode(back)
	if err != nil {
		return nil, err
	}
	if err := record(ctx, cl, opts.Namespace, opts.Name, n+1, StatusDeployed, "rollback to "+describeRevision(to)+" after revision "+fmt.Sprint(n)+" failed", backManifest, len(back), opts.HistoryMax, opts.now()); err != nil {
		return nil, errors.Join(rollErr, err)
	}
	return &Report{Revision: n + 1, RolledBack: true, RolledBackTo: to}, fmt.Errorf("revision %d: %w; rolled back to %s (now revision %d)", n, rollErr, describeRevision(to), n+1)
}

func describeRevision(n int) string {
	if n == 0 {
		return "nothing (no earlier revision was deployed)"
	}
	return fmt.Sprintf("revision %d", n)
}

// Rollback re-applies revision n of the ApplySet (0: the deployed revision
// before the newest) as a new revision.
func Rollback(ctx context.Context, cl *kubeclient.Client, n int, opts Options) (*Report, error) {
	revs, err := History(ctx, cl, opts.Namespace, opts.Name)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, fmt.Errorf("ApplySet %s/%s has no history", opts.Namespace, opts.Name)
	}
	var target *Revision
	if n == 0 {
		newest := lastDeployed(revs)
		for i := len(revs) - 1; i >= 0 && newest != nil; i-- {
			if revs[i].Number < newest.Number && (revs[i].Status == StatusSuperseded || revs[i].Status == StatusDeployed) {
				target = &revs[i]
				break
			}
		}
		if target == nil {
			return nil, fmt.Errorf("ApplySet %s/%s has no earlier deployed revision to roll back to", opts.Namespace, opts.Name)
		}
	} else {
		for i := range revs {
			if revs[i].Number == n {
				target = &revs[i]
			}
		}
		if target == nil {
			return nil, fmt.Errorf("ApplySet %s/%s has no revision %d (kept: %s)", opts.Namespace, opts.Name, n, numbers(revs))
		}
	}
	m, err := target.Manifest()
	if err != nil {
		return nil, err
	}
	objs, err := Decode(m)
	if err != nil {
		return nil, err
	}
	opts.Description = fmt.Sprintf("rollback to revision %d", target.Number)
	return Apply(ctx, cl, objs, opts)
}

func numbers(revs []Revision) string {
	var s []string
	for _, r := range revs {
		s = append(s, fmt.Sprint(r.Number))
	}
	return strings.Join(s, ", ")
}

// first are applied, and waited for, before everything else.
func first(o *unstructured.Unstructured) bool {
	gk := o.GroupVersionKind().GroupKind()
	return gk == schema.GroupKind{Kind: "Namespace"} || gk == schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
}

// rollout applies objs as the whole set: the parent first learns the union
// of what it held and what comes, CRDs and namespaces go first, then the
// rest; members no longer rendered are pruned; with Wait everything must
// become ready.
func rollout(ctx context.Context, cl *kubeclient.Client, objs []*unstructured.Unstructured, opts Options) (*Report, error) {
	p, current, err := readParent(ctx, cl, opts.Namespace, opts.Name)
	if err != nil {
		return nil, err
	}
	next := setOf(objs)
	if err := p.write(ctx, cl, current.union(next), opts.Tooling); err != nil {
		return nil, fmt.Errorf("ApplySet parent %s/%s: %w", p.namespace, p.name, err)
	}
	report := &Report{}
	var crds []string
	for _, phase := range []bool{true, false} {
		for _, o := range objs {
			if first(o) != phase {
				continue
			}
			m := member(o, p.id)
			if _, err := cl.ApplyObject(ctx, kubeclient.FieldManager, m, false); err != nil {
				return nil, fmt.Errorf("%s: %w", kubeclient.Describe(o), err)
			}
			report.Applied++
			if o.GetKind() == "CustomResourceDefinition" {
				crds = append(crds, o.GetName())
			}
		}
		if phase {
			if err := cl.WaitEstablished(ctx, crds, 30*time.Second); err != nil {
				return nil, err
			}
			opts.say("applied %d namespaces and CRDs", report.Applied)
		}
	}
	opts.say("applied %d objects", report.Applied)
	// Pruning before waiting: a rollout that cannot become ready is then
	// judged without the objects the new rendering dropped.
	pruned, err := prune(ctx, cl, objs, p, current.union(next), false)
	if err != nil {
		return nil, err
	}
	report.Pruned = pruned
	if len(pruned) > 0 {
		opts.say("pruned %d objects no longer rendered: %s", len(pruned), strings.Join(pruned, ", "))
	}
	if err := p.write(ctx, cl, next, opts.Tooling); err != nil {
		return nil, err
	}
	if opts.Wait {
		if err := waitReady(ctx, cl, objs, opts.Timeout, opts.Progress); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// preflight reads the parent (refusing a set of another tool) and refuses
// objects that are members of another ApplySet.
func preflight(ctx context.Context, cl *kubeclient.Client, objs []*unstructured.Unstructured, opts Options) (*parent, set, error) {
	p, current, err := readParent(ctx, cl, opts.Namespace, opts.Name)
	if err != nil {
		return nil, set{}, err
	}
	return p, current, checkOwnership(ctx, cl, objs, p.id)
}

// member is a copy of o labelled as a member of the set.
func member(o *unstructured.Unstructured, id string) *unstructured.Unstructured {
	m := o.DeepCopy()
	labels := m.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelPartOf] = id
	m.SetLabels(labels)
	return m
}

// checkOwnership refuses objects that exist as members of another
// ApplySet: applying them would take them from it.
func checkOwnership(ctx context.Context, cl *kubeclient.Client, objs []*unstructured.Unstructured, id string) error {
	var taken []string
	for _, o := range objs {
		ri, _, err := cl.Resource(o.GroupVersionKind(), o.GetNamespace())
		if err != nil {
			continue // a kind whose CRD comes with this rendering has no objects yet
		}
		live, err := ri.Get(ctx, o.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if other := live.GetLabels()[LabelPartOf]; other != "" && other != id {
			taken = append(taken, fmt.Sprintf("%s (part of %s)", kubeclient.Describe(o), other))
		}
	}
	if len(taken) > 0 {
		return fmt.Errorf("objects of another ApplySet would be taken over, so nothing was applied: %s", strings.Join(taken, "; "))
	}
	return nil
}

// prune deletes the members of the set that objs no longer hold; only
// objects labelled as members of this set are ever candidates.
func prune(ctx context.Context, cl *kubeclient.Client, objs []*unstructured.Unstructured, p *parent, s set, dry bool) ([]string, error) {
	keep := map[string]bool{}
	for _, o := range objs {
		keep[key(o)] = true
	}
	live, err := members(ctx, cl, p.id, p.namespace, s)
	if err != nil {
		return nil, err
	}
	var out []string
	background := metav1.DeletePropagationBackground
	for _, m := range live {
		if keep[key(m)] || m.GetDeletionTimestamp() != nil {
			continue
		}
		out = append(out, kubeclient.Describe(m))
		if dry {
			continue
		}
		ri, _, err := cl.Resource(m.GroupVersionKind(), m.GetNamespace())
		if err != nil {
			return nil, err
		}
		uid := m.GetUID()
		err = ri.Delete(ctx, m.GetName(), metav1.DeleteOptions{PropagationPolicy: &background, Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("pruning %s: %w", kubeclient.Describe(m), err)
		}
	}
	sort.Strings(out)
	return out, nil
}

func key(o *unstructured.Unstructured) string {
	return o.GroupVersionKind().GroupKind().String() + "/" + o.GetNamespace() + "/" + o.GetName()
}

func checkUnique(objs []*unstructured.Unstructured) error {
	seen := map[string]bool{}
	for _, o := range objs {
		if seen[key(o)] {
			return fmt.Errorf("%s is given twice", kubeclient.Describe(o))
		}
		seen[key(o)] = true
	}
	return nil
}

// dryRun sends every object as a server-side dry-run; objects whose
// namespace or CRD is not there yet are skipped. It lists what would be
// pruned.
func dryRun(ctx context.Context, cl *kubeclient.Client, objs []*unstructured.Unstructured, opts Options) (*Report, error) {
	p, current, err := preflight(ctx, cl, objs, opts)
	if err != nil {
		return nil, err
	}
	report := &Report{}
	for _, o := range objs {
		if _, err := cl.ApplyObject(ctx, kubeclient.FieldManager, member(o, p.id), true); err != nil {
			if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
				report.Skipped = append(report.Skipped, kubeclient.Describe(o)+": "+err.Error())
				continue
			}
			return nil, fmt.Errorf("%s: %w", kubeclient.Describe(o), err)
		}
		report.Applied++
	}
	if p.secret != nil {
		if report.Pruned, err = prune(ctx, cl, objs, p, current, true); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// encode writes objects as a YAML stream.
func encode(objs []*unstructured.Unstructured) ([]byte, error) {
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := sigsyaml.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// Decode reads a YAML stream of objects.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		m, err := ynode.Object(doc)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}
