package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
)

// Waiting for a rollout. Each applied object is read back until kstatus
// (sigs.k8s.io/cli-utils, the status library of kpt and Flux) computes it
// Current: a Deployment, StatefulSet or DaemonSet with its desired replicas
// updated and ready, a claim Bound, a Job complete, a CRD established. An
// object kstatus computes Failed (a Deployment past its progress deadline, a
// failed Job) fails the wait at once. A line per kind goes to progress
// whenever the count of ready objects changes.

const pollInterval = 500 * time.Millisecond

// ErrNotReady is wrapped by a wait that ended before everything was ready.
var ErrNotReady = errors.New("rollout not ready")

func waitReady(ctx context.Context, cl *kubeclient.Client, objs []*unstructured.Unstructured, timeout time.Duration, progress io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pending := append([]*unstructured.Unstructured(nil), objs...)
	total := map[string]int{}
	for _, o := range objs {
		total[o.GetKind()]++
	}
	ready := map[string]int{}
	said := map[string]int{}
	var last map[string]string // object -> why not ready
	for {
		last = map[string]string{}
		var still []*unstructured.Unstructured
		for _, o := range pending {
			ri, _, err := cl.Resource(o.GroupVersionKind(), o.GetNamespace())
			if err != nil {
				return err
			}
			live, err := ri.Get(ctx, o.GetName(), metav1.GetOptions{})
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				last[kubeclient.Describe(o)] = err.Error()
				still = append(still, o)
				continue
			}
			res, err := status.Compute(live)
			if err != nil {
				return err
			}
			switch res.Status {
			case status.CurrentStatus:
				ready[o.GetKind()]++
			case status.FailedStatus:
				return fmt.Errorf("%w: %s failed: %s", ErrNotReady, kubeclient.Describe(o), res.Message)
			default:
				last[kubeclient.Describe(o)] = string(res.Status) + ": " + res.Message
				still = append(still, o)
			}
		}
		if ctx.Err() == nil {
			pending = still
		}
		report(progress, total, ready, said)
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			var why []string
			for obj, msg := range last {
				why = append(why, obj+" ("+msg+")")
			}
			sort.Strings(why)
			return fmt.Errorf("%w after %s: %s", ErrNotReady, timeout, strings.Join(why, "; "))
		case <-time.After(pollInterval):
		}
	}
}

// report writes a line for each kind whose ready count changed.
func report(w io.Writer, total, ready, said map[string]int) {
	if w == nil {
		return
	}
	kinds := make([]string, 0, len(total))
	for k := range total {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if n, ok := said[k]; ok && n == ready[k] {
			continue
		}
		said[k] = ready[k]
		fmt.Fprintf(w, "waiting: %s %d/%d ready\n", k, ready[k], total[k])
	}
}
