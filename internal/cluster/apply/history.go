package apply

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/input"
)

// History. Each apply is a revision, kept in the cluster beside the
// ApplySet's parent as a Secret <name>.v<N> (as Helm keeps its releases)
// holding the applied manifest, gzipped: a rollback re-applies it, from any
// machine. The rendering holds no secret material; a Secret keeps the
// manifest out of the reach of those who may only read ConfigMaps anyway.
// At most HistoryMax revisions are kept, the oldest removed first.

// Revision states.
const (
	StatusDeployed   = "deployed"
	StatusSuperseded = "superseded"
	StatusFailed     = "failed"
)

const (
	labelSet         = "vdirender.dev/applyset"
	labelRevision    = "vdirender.dev/revision"
	labelStatus      = "vdirender.dev/status"
	annotationDesc   = "vdirender.dev/description"
	annotationTime   = "vdirender.dev/applied-at"
	annotationCount  = "vdirender.dev/objects"
	revisionType     = "vdirender.dev/revision.v1"
	manifestKey      = "manifest.yaml.gz"
	maxManifestBytes = 64 << 20
)

// Revision is one recorded apply.
type Revision struct {
	Number      int
	Status      string
	Description string
	AppliedAt   time.Time
	Objects     int
	secret      *corev1.Secret
}

// Manifest is the YAML stream the revision applied.
func (r Revision) Manifest() ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(r.secret.Data[manifestKey]))
	if err != nil {
		return nil, fmt.Errorf("revision %d: %w", r.Number, err)
	}
	// The cluster's copy is input like any other: through the gate.
	return input.ReadStream(zr, fmt.Sprintf("revision %d of %s", r.Number, r.secret.Name), maxManifestBytes)
}

func revisionName(set string, n int) string { return fmt.Sprintf("%s.v%d", set, n) }

// History lists the revisions of the ApplySet namespace/name, oldest first.
func History(ctx context.Context, cl *kubeclient.Client, namespace, name string) ([]Revision, error) {
	l, err := cl.Kube.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: labelSet + "=" + name})
	if err != nil {
		return nil, err
	}
	var out []Revision
	for i := range l.Items {
		s := &l.Items[i]
		if s.Type != revisionType {
			continue
		}
		n, err := strconv.Atoi(s.Labels[labelRevision])
		if err != nil {
			continue
		}
		at, _ := time.Parse(time.RFC3339, s.Annotations[annotationTime])
		count, _ := strconv.Atoi(s.Annotations[annotationCount])
		out = append(out, Revision{Number: n, Status: s.Labels[labelStatus], Description: s.Annotations[annotationDesc], AppliedAt: at, Objects: count, secret: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// lastDeployed is the newest deployed revision, or nil.
func lastDeployed(revs []Revision) *Revision {
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i].Status == StatusDeployed {
			return &revs[i]
		}
	}
	return nil
}

func nextNumber(revs []Revision) int {
	if len(revs) == 0 {
		return 1
	}
	return revs[len(revs)-1].Number + 1
}

// record stores a revision; a deployed one supersedes the one before it.
// Then the history is trimmed to max revisions.
func record(ctx context.Context, cl *kubeclient.Client, namespace, name string, n int, status, desc string, manifest []byte, objects, max int, now time.Time) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(manifest); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: revisionName(name, n), Namespace: namespace,
			Labels: map[string]string{labelSet: name, labelRevision: strconv.Itoa(n), labelStatus: status},
			Annotations: map[string]string{annotationDesc: desc, annotationTime: now.UTC().Format(time.RFC3339),
				annotationCount: strconv.Itoa(objects)}},
		Type: revisionType,
		Data: map[string][]byte{manifestKey: buf.Bytes()},
	}
	secrets := cl.Kube.CoreV1().Secrets(namespace)
	if _, err := secrets.Create(ctx, s, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("recording revision %d: %w", n, err)
	}
	revs, err := History(ctx, cl, namespace, name)
	if err != nil {
		return err
	}
	for _, r := range revs {
		if status == StatusDeployed && r.Number != n && r.Status == StatusDeployed {
			r.secret.Labels[labelStatus] = StatusSuperseded
			if _, err := secrets.Update(ctx, r.secret, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
	}
	for i := 0; i < len(revs)-max; i++ {
		if err := secrets.Delete(ctx, revs[i].secret.Name, metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	return nil
}
