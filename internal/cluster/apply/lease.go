package apply

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
)

// One apply at a time. An apply holds a Lease named after the ApplySet,
// beside its parent, renewed while it runs and deleted when it ends; a
// second apply finds it held and is refused, naming the holder. A Lease
// left by an apply that died expires after leaseDuration and is taken over.

const leaseDuration = 60 * time.Second

type lease struct {
	cl       *kubeclient.Client
	ns, name string
	holder   string
	stop     chan struct{}
	done     sync.WaitGroup
}

func holderIdentity() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("vdirender@%s/%d/%d", host, os.Getpid(), time.Now().UnixNano())
}

// acquire takes the Lease or says who holds it.
func acquire(ctx context.Context, cl *kubeclient.Client, ns, name string, now func() time.Time) (*lease, error) {
	l := &lease{cl: cl, ns: ns, name: name, holder: holderIdentity(), stop: make(chan struct{})}
	leases := cl.Kube.CoordinationV1().Leases(ns)
	t := metav1.NewMicroTime(now())
	want := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &l.holder, LeaseDurationSeconds: ptr.To(int32(leaseDuration / time.Second)), AcquireTime: &t, RenewTime: &t}}
	_, err := leases.Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		cur, gerr := leases.Get(ctx, name, metav1.GetOptions{})
		if gerr != nil {
			return nil, gerr
		}
		if !expired(cur, now()) {
			holder := "someone"
			if cur.Spec.HolderIdentity != nil {
				holder = *cur.Spec.HolderIdentity
			}
			return nil, fmt.Errorf("another apply of %s is in progress (Lease %s/%s held by %s): wait for it to end; a Lease left by an apply that died expires %s after its last renewal",
				name, ns, name, holder, leaseDuration)
		}
		want.ResourceVersion = cur.ResourceVersion
		_, err = leases.Update(ctx, want, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			return nil, fmt.Errorf("another apply of %s took Lease %s/%s just now: wait for it to end", name, ns, name)
		}
	}
	if err != nil {
		return nil, err
	}
	l.done.Add(1)
	go l.renew(now)
	return l, nil
}

func expired(l *coordinationv1.Lease, now time.Time) bool {
	if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
		return true
	}
	return now.After(l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second))
}

// renew keeps the Lease while the apply runs.
func (l *lease) renew(now func() time.Time) {
	defer l.done.Done()
	tick := time.NewTicker(leaseDuration / 3)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			cur, err := l.cl.Kube.CoordinationV1().Leases(l.ns).Get(ctx, l.name, metav1.GetOptions{})
			if err == nil && cur.Spec.HolderIdentity != nil && *cur.Spec.HolderIdentity == l.holder {
				t := metav1.NewMicroTime(now())
				cur.Spec.RenewTime = &t
				_, _ = l.cl.Kube.CoordinationV1().Leases(l.ns).Update(ctx, cur, metav1.UpdateOptions{})
			}
			cancel()
		}
	}
}

// release stops renewing and deletes the Lease if it is still ours.
func (l *lease) release() {
	close(l.stop)
	l.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cur, err := l.cl.Kube.CoordinationV1().Leases(l.ns).Get(ctx, l.name, metav1.GetOptions{})
	if err != nil || cur.Spec.HolderIdentity == nil || *cur.Spec.HolderIdentity != l.holder {
		return
	}
	_ = l.cl.Kube.CoordinationV1().Leases(l.ns).Delete(ctx, l.name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &cur.ResourceVersion}})
}
