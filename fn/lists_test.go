package fn_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/manifest"
)

const fnConfig = `functionConfig:
  apiVersion: config.vdirender.dev/v1alpha1
  kind: VDIPlatform
  metadata: {name: p}
  spec:
    global: {hostname: kasm.example.com}
`

const listOfDeployment = `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: apps}
  spec:
    template:
      spec:
        containers: [{name: web, image: "nginx:1.27", imagePullPolicy: Always}]
`

const listOfClaim = `apiVersion: v1
kind: ConfigMapList
items:
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata: {name: shared, namespace: apps}
  spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}
`

// TestListsAreChecked: a List is applied as its items by kubectl and Argo
// CD, so the rules see each item, in build, validate and the KRM function
// alike: fixable items come out fixed and as plain objects, the others fail.
func TestListsAreChecked(t *testing.T) {
	indent := func(s string) string {
		return "- " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
	}
	tests := []struct {
		name, list string
		fails      bool
		want       []string // in build's output
	}{
		{"fixed", listOfDeployment, false, []string{"kind: Deployment", "imagePullPolicy: IfNotPresent", "memory:"}},
		{"refused", listOfClaim, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), []byte(platformNoAnnotation), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "list.yaml"), []byte(tt.list), 0o644); err != nil {
				t.Fatal(err)
			}
			// build
			items, _, err := fn.Build(dir)
			if (err != nil) != tt.fails {
				t.Fatalf("build: err = %v, fails %v", err, tt.fails)
			}
			if err == nil {
				out := string(write(t, items))
				if strings.Contains(out, "\nkind: List\n") {
					t.Errorf("build emitted the List:\n%s", out)
				}
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						t.Errorf("build output lacks %q", w)
					}
				}
			}
			// validate: every item is checked; even a fixable one is an error.
			n, res, err := fn.ValidatePath(dir)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 || !fn.HasErrors(res) {
				t.Errorf("validate checked %d objects, errors %v: %v", n, fn.HasErrors(res), res)
			}
			// The KRM function, with the List among the items.
			rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + fnConfig + "items:\n" + indent(tt.list)
			out, err := run(t, []byte(rl))
			if (err != nil) != tt.fails {
				t.Fatalf("function: err = %v, fails %v\n%s", err, tt.fails, out)
			}
			if err == nil && strings.Contains(string(out), "kind: List\n") {
				t.Errorf("function returned the List:\n%s", out)
			}
		})
	}
}

func write(t *testing.T, items []*yaml.RNode) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := manifest.Write(&buf, items); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
