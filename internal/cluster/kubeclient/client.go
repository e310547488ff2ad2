// Package kubeclient talks to a cluster the way GitOps tools do: server-side
// apply with strict field validation, optionally as a dry-run. verify,
// doctor and the end-to-end tests share it.
package kubeclient

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager is the server-side apply manager of vdirender.
const FieldManager = "vdirender"

// Client is a typed and a dynamic client with a discovery-backed mapper.
type Client struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
}

// k3sKubeconfig is where K3s writes the admin kubeconfig on a server.
const k3sKubeconfig = "/etc/rancher/k3s/k3s.yaml"

// Config loads a kubeconfig the way kubectl does: the given path, else
// $KUBECONFIG, else ~/.kube/config; context "" means the current one.

func Config(kubeconfig, context string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		return nil, fmt.Errorf("no kubeconfig found: give --kubeconfig FILE, set KUBECONFIG, or write %s (on a K3s server the file is %s)", clientcmd.RecommendedHomeFile, k3sKubeconfig)
	}
	if err != nil {
		return nil, err
	}
	// client-go's default of 5 requests a second makes a dry-run of a whole
	// platform take seconds; the API server's own flow control still applies.
	cfg.QPS, cfg.Burst = 50, 100
	return cfg, nil
}

// New makes a client for cfg.
func New(cfg *rest.Config) (*Client, error) {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{Kube: kube, Dynamic: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))}, nil
}

// Mapping finds the resource of a kind, refreshing discovery once when the
// kind is new (a CRD applied a moment ago).
func (c *Client) Mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	return m, err
}

// MappingFor finds the preferred resource of a group-kind.
func (c *Client) MappingFor(gk schema.GroupKind) (*meta.RESTMapping, error) {
	m, err := c.mapper.RESTMapping(gk)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gk)
	}
	return m, err
}

// Resource is the client of the resource an object belongs to, in its
// namespace when the resource is namespaced.
func (c *Client) Resource(gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, *meta.RESTMapping, error) {
	m, err := c.Mapping(gvk)
	if err != nil {
		return nil, nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(m.Resource).Namespace(namespace), m, nil
	}
	return c.Dynamic.Resource(m.Resource), m, nil
}

// Apply server-side applies obj as manager; with dryRun the server runs
// every validation and admission step and stores nothing.
func (c *Client) Apply(ctx context.Context, manager string, obj *unstructured.Unstructured, dryRun bool) error {
	_, err := c.ApplyObject(ctx, manager, obj, dryRun)
	return err
}

// ApplyObject is Apply, returning the object as the server has it.
func (c *Client) ApplyObject(ctx context.Context, manager string, obj *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	ri, _, err := c.Resource(obj.GroupVersionKind(), obj.GetNamespace())
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	force := true
	opts := metav1.PatchOptions{FieldManager: manager, Force: &force, FieldValidation: "Strict"}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, body, opts)
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// WaitEstablished waits until every named CRD is served.
func (c *Client) WaitEstablished(ctx context.Context, names []string, timeout time.Duration) error {
	for _, name := range names {
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
			u, err := c.Dynamic.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, cond := range conds {
				m, _ := cond.(map[string]any)
				if m["type"] == "Established" && m["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not established: %w", name, err)
		}
	}
	c.mapper.Reset()
	return nil
}

// Describe names an object for people: Kind namespace/name.
func Describe(obj *unstructured.Unstructured) string {
	if ns := obj.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", obj.GetKind(), ns, obj.GetName())
	}
	return fmt.Sprintf("%s %s", obj.GetKind(), obj.GetName())
}
