package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Upstream CRDs of the kinds vdirender emits, read from the pinned Go
// modules of the projects that own them.
var upstreamCRDs = []struct{ module, file string }{
	// Traefik v3.6 is what K3s v1.35 bundles.
	{"github.com/traefik/traefik/v3@v3.6.12", "docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"},
	{"github.com/k3s-io/helm-controller@v0.17.7", "pkg/crds/yaml/generated/helm.cattle.io_helmcharts.yaml"},
	{"github.com/k3s-io/helm-controller@v0.17.7", "pkg/crds/yaml/generated/helm.cattle.io_helmchartconfigs.yaml"},
	// gpu-operator publishes no semver module versions; this is its newest pseudo-version.
	{"github.com/NVIDIA/gpu-operator@v0.0.0-20250917190837-d73a0086a6ba", "config/crd/bases/nvidia.com_clusterpolicies.yaml"},
	// cert-manager, for ingress.tls.certManager: the Certificates vdirender
	// renders and the issuers verify looks for.
	{certManagerModule, "deploy/crds/cert-manager.io_certificates.yaml"},
	{certManagerModule, "deploy/crds/cert-manager.io_clusterissuers.yaml"},
	{certManagerModule, "deploy/crds/cert-manager.io_issuers.yaml"},
}

const certManagerModule = "github.com/cert-manager/cert-manager@v1.21.2"

// clusterPolicySample is the operator's own sample, standing in for the
// ClusterPolicy its chart creates, so that our patch is applied onto it.
const clusterPolicySample = "config/samples/v1_clusterpolicy.yaml"

// moduleDir downloads a module version through the Go module proxy (the
// checksum database verifies it) and returns its directory.
func moduleDir(t testing.TB, modVersion string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", modVersion)
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v\n%s", modVersion, err, out)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %v %s", modVersion, err, info.Error)
	}
	return info.Dir
}

// readObjects decodes every object of a multi-document YAML file.
func readObjects(t testing.TB, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decodeObjects(t, data)
}

func decodeObjects(t testing.TB, data []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatal(err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

func upstreamObjects(t testing.TB) (crds []*unstructured.Unstructured, clusterPolicy *unstructured.Unstructured) {
	t.Helper()
	dirs := map[string]string{}
	for _, u := range upstreamCRDs {
		if dirs[u.module] == "" {
			dirs[u.module] = moduleDir(t, u.module)
		}
		crds = append(crds, readObjects(t, filepath.Join(dirs[u.module], u.file))...)
	}
	sample := readObjects(t, filepath.Join(dirs[upstreamCRDs[3].module], clusterPolicySample))[0]
	// The chart names its policy cluster-policy; the sample leaves some
	// sections empty (null), which the CRD's schema refuses.
	sample.SetName("cluster-policy")
	pruneNulls(sample.Object)
	return crds, sample
}

func pruneNulls(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			pruneNulls(v)
		}
	}
}
