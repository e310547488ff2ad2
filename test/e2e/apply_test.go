package e2e

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

func newClient(t *testing.T, c *cluster.Cluster) *kubeclient.Client { return newClientTB(t, c) }

func newClientTB(t testing.TB, c *cluster.Cluster) *kubeclient.Client {
	t.Helper()
	cl, err := kubeclient.New(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func waitEstablished(ctx context.Context, t testing.TB, cl *kubeclient.Client, crds []*unstructured.Unstructured) {
	t.Helper()
	var names []string
	for _, c := range crds {
		names = append(names, c.GetName())
	}
	if err := cl.WaitEstablished(ctx, names, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

// toUnstructured converts a typed object.
func toUnstructured(t *testing.T, obj any) *unstructured.Unstructured {
	return toUnstructuredTB(t, obj)
}

func toUnstructuredTB(t testing.TB, obj any) *unstructured.Unstructured {
	t.Helper()
	b, err := sigsyaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := sigsyaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}
