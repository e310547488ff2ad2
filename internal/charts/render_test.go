package charts_test

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
)

func archive(t *testing.T, chart string, extra ...charttest.Entry) []byte {
	t.Helper()
	data, err := charttest.Archive("../../testdata/charts/"+chart, chart, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// edited archives a copy of a fixture chart after edit has changed it.
func edited(t *testing.T, chart string, edit func(dir string)) []byte {
	t.Helper()
	dir := filepath.Join(t.TempDir(), chart)
	if err := os.CopyFS(dir, os.DirFS("../../testdata/charts/"+chart)); err != nil {
		t.Fatal(err)
	}
	edit(dir)
	data, err := charttest.Archive(dir, chart)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pgValues are what vdirender sends the PostgreSQL chart inline.
func pgValues() map[string]any {
	return map[string]any{
		"primary": map[string]any{"persistence": map[string]any{"storageClass": "local-path"}},
		"auth":    map[string]any{"existingSecret": "postgresql"},
	}
}

func options(values map[string]any) charts.Options {
	return charts.Options{
		Release: "postgresql", Namespace: "kasm", KubeVersion: "v1.35.4",
		APIVersions: []string{"v1", "apps/v1", "traefik.io/v1alpha1"},
		Values:      values,
	}
}

var opts = options(pgValues())

func render(t *testing.T, data []byte, o charts.Options) *charts.Rendering {
	t.Helper()
	r, err := charts.Render(data, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func kinds(items []*yaml.RNode) string {
	var out []string
	for _, it := range items {
		out = append(out, it.GetKind()+"/"+it.GetName())
	}
	return strings.Join(out, ",")
}

func TestRender(t *testing.T) {
	items := render(t, archive(t, "postgresql"), opts).Objects
	for _, it := range items {
		if it.GetNamespace() != "kasm" {
			t.Errorf("%s %s in namespace %q, want the release namespace", it.GetKind(), it.GetName(), it.GetNamespace())
		}
	}
	// Helm's install order: Services before StatefulSets. NOTES.txt (not
	// YAML) and the partials are rendered but left out, as Helm does; the
	// Secret is not rendered, an existing one is named.
	if got := kinds(items); got != "Service/postgresql,StatefulSet/postgresql" {
		t.Fatalf("objects %s", got)
	}
	sts := items[1].MustString()
	for _, want := range []string{
		"fixture/kube-version: \"v1.35.4\"", // explicit, not the SDK's default
		"fixture/has-traefik: \"true\"",
		"storageClassName: \"local-path\"", // our value over the chart's default
		"image: docker.io/bitnami/postgresql:16.3.0-debian-12-r14",
		"secretKeyRef: {name: postgresql, key: postgres-password}",
	} {
		if !strings.Contains(sts, want) {
			t.Errorf("StatefulSet lacks %q:\n%s", want, sts)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a := render(t, archive(t, "postgresql"), opts).Objects
	b := render(t, archive(t, "postgresql"), opts).Objects
	if len(a) != len(b) {
		t.Fatalf("%d objects, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].MustString() != b[i].MustString() {
			t.Errorf("object %d differs between renders", i)
		}
	}
}

// TestGeneratedValuesRefused: what a chart makes up while it renders (a
// password, a checksum of it, a timestamp) fails the render, naming the
// object, the field and the value to set.
func TestGeneratedValuesRefused(t *testing.T) {
	redis := charts.Options{Release: "redis", Namespace: "kasm", KubeVersion: "v1.35.4", APIVersions: []string{"v1", "apps/v1"},
		Values: map[string]any{"fullnameOverride": "redis"}}
	tests := []struct {
		name string
		data []byte
		opts charts.Options
		want []string
	}{
		{"password", archive(t, "postgresql"), options(map[string]any{"primary": map[string]any{}}), []string{
			"chart postgresql renders differently on every run",
			"Secret postgresql (postgresql/templates/secrets.yaml): data.postgres-password",
			"set auth.existingSecret (a Secret with the key auth.secretKeys.adminPasswordKey, postgres-password by default) in the values of chart postgresql",
		}},
		{"password and its checksum", archive(t, "redis"), redis, []string{
			"Secret redis (redis/templates/secret.yaml): data.redis-password",
			"Deployment redis-master (redis/templates/deployment.yaml): spec.template.metadata.annotations.checksum/secret",
			"set auth.existingSecret and auth.existingSecretPasswordKey",
		}},
		{"enabled sub-chart", archive(t, "coturn"), charts.Options{Release: "coturn", Namespace: "kasm", KubeVersion: "v1.35.4",
			Values: map[string]any{"postgresql": map[string]any{"enabled": true}}}, []string{
			"Secret coturn-postgresql (coturn/charts/postgresql/templates/secret.yaml): data.postgres-password",
			"set postgresql.auth.existingSecret",
		}},
		{"clock", archive(t, "coturn", charttest.Entry{Name: "coturn/templates/cm.yaml",
			Body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: built\ndata:\n  at: {{ now | date \"2006-01-02\" | quote }}\n"}),
			charts.Options{Release: "coturn", Namespace: "kasm", KubeVersion: "v1.35.4"}, []string{
				"ConfigMap built (coturn/templates/cm.yaml): data.at",
				"point chart coturn at an existing Secret through its values",
			}},
		{"certificate", archive(t, "postgresql", charttest.Entry{Name: "postgresql/templates/ca.yaml",
			Body: "{{- $ca := genCA \"ca\" 365 }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ca\ndata:\n  ca.crt: {{ $ca.Cert | quote }}\n"}), opts, []string{
			"ConfigMap ca (postgresql/templates/ca.yaml): data.ca.crt",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := charts.Render(tt.data, tt.opts)
			if err == nil {
				t.Fatal("rendered")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	// A random number from a range of one is no choice at all.
	render(t, archive(t, "postgresql", charttest.Entry{Name: "postgresql/templates/cm.yaml",
		Body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  n: {{ randInt 7 8 | quote }}\n"}), opts)
}

// TestSecretsNeverRendered: a Secret holding data is refused even when it
// is the same every time.
func TestSecretsNeverRendered(t *testing.T) {
	data := archive(t, "postgresql", charttest.Entry{Name: "postgresql/templates/static.yaml",
		Body: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: static\nstringData:\n  password: hunter2\n"})
	_, err := charts.Render(data, opts)
	if err == nil || !strings.Contains(err.Error(), "chart postgresql renders Secret static (postgresql/templates/static.yaml) holding stringData.password; secrets are never rendered") {
		t.Errorf("got %v", err)
	}
	// An empty Secret (filled in the cluster) is fine.
	render(t, archive(t, "postgresql", charttest.Entry{Name: "postgresql/templates/empty.yaml",
		Body: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: filled-later\n"}), opts)
}

// TestDependencies: conditions, tags and import-values as Helm processes
// them; a disabled sub-chart renders nothing, not even its CRDs.
func TestDependencies(t *testing.T) {
	coturn := func(values map[string]any) charts.Options {
		return charts.Options{Release: "coturn", Namespace: "kasm", KubeVersion: "v1.35.4", Values: values}
	}
	r := render(t, archive(t, "coturn"), coturn(nil))
	if got := kinds(r.Objects); got != "ConfigMap/coturn-exporter,Service/coturn-turn-udp,Deployment/coturn-coturn" {
		t.Errorf("objects %s", got)
	}
	if svc := r.Objects[1].MustString(); !strings.Contains(svc, `fixture/exporter-port: "9641"`) {
		t.Errorf("the exporter's port was not imported:\n%s", svc)
	}
	r = render(t, archive(t, "coturn"), coturn(map[string]any{"exporter": map[string]any{"enabled": false}}))
	if got := kinds(r.Objects); got != "Service/coturn-turn-udp,Deployment/coturn-coturn" {
		t.Errorf("exporter disabled: objects %s", got)
	}
	// Tags: a dependency tagged off is removed unless its condition says on.
	tagged := edited(t, "coturn", func(dir string) {
		b, _ := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
		writeFile(t, filepath.Join(dir, "Chart.yaml"), strings.Replace(string(b), "  condition: exporter.enabled\n", "  tags: [metrics]\n", 1))
		b, _ = os.ReadFile(filepath.Join(dir, "values.yaml"))
		writeFile(t, filepath.Join(dir, "values.yaml"), string(b)+"tags:\n  metrics: false\n")
	})
	r = render(t, tagged, coturn(nil))
	if got := kinds(r.Objects); got != "Service/coturn-turn-udp,Deployment/coturn-coturn" {
		t.Errorf("tag off: objects %s", got)
	}
	// A disabled sub-chart's CRDs are left out too.
	withCRD := archive(t, "coturn", charttest.Entry{Name: "coturn/charts/postgresql/crds/crd.yaml", Body: crd("Backup", "Namespaced")})
	r = render(t, withCRD, coturn(nil))
	if strings.Contains(kinds(r.Objects), "CustomResourceDefinition") {
		t.Errorf("a disabled sub-chart's CRD was rendered: %s", kinds(r.Objects))
	}
	// A dependency Chart.yaml names but charts/ lacks.
	missing := edited(t, "coturn", func(dir string) {
		if err := os.RemoveAll(filepath.Join(dir, "charts", "exporter")); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := charts.Render(missing, coturn(nil)); err == nil || !strings.Contains(err.Error(), "chart coturn: found in Chart.yaml, but missing in charts/ directory: exporter") {
		t.Errorf("missing dependency: %v", err)
	}
}

func crd(kind, scope string) string {
	return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ` + strings.ToLower(kind) + `s.example.com
spec:
  group: example.com
  scope: ` + scope + `
  names: {kind: ` + kind + `, plural: ` + strings.ToLower(kind) + `s, singular: ` + strings.ToLower(kind) + `, listKind: ` + kind + `List}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`
}

// TestClusterScopedCustomResources: an object of a cluster-scoped kind the
// chart's own CRDs define gets no namespace.
func TestClusterScopedCustomResources(t *testing.T) {
	data := archive(t, "postgresql",
		charttest.Entry{Name: "postgresql/crds/policy.yaml", Body: crd("Policy", "Cluster")},
		charttest.Entry{Name: "postgresql/crds/backup.yaml", Body: crd("Backup", "Namespaced")},
		charttest.Entry{Name: "postgresql/templates/crs.yaml", Body: "apiVersion: example.com/v1\nkind: Policy\nmetadata:\n  name: p\n---\napiVersion: example.com/v1\nkind: Backup\nmetadata:\n  name: b\n"})
	for _, it := range render(t, data, opts).Objects {
		want := "kasm"
		if it.GetKind() == "Policy" || it.GetKind() == "CustomResourceDefinition" {
			want = ""
		}
		if it.GetNamespace() != want {
			t.Errorf("%s %s in namespace %q, want %q", it.GetKind(), it.GetName(), it.GetNamespace(), want)
		}
	}
}

// TestSchema: the chart's values.schema.json is enforced on the values
// vdirender sends; a key it does not allow is named with its chart.
func TestSchema(t *testing.T) {
	v := pgValues()
	v["primry"] = map[string]any{}
	v["auth"].(map[string]any)["existingSecert"] = "x"
	_, err := charts.Render(archive(t, "postgresql"), options(v))
	if err == nil {
		t.Fatal("rendered")
	}
	for _, want := range []string{
		"the values vdirender sends to chart postgresql are refused by its values.schema.json",
		"additional properties 'primry' not allowed",
		"at '/auth': additional properties 'existingSecert' not allowed",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestChartChecks: what `helm template` refuses before rendering.
func TestChartChecks(t *testing.T) {
	library := edited(t, "postgresql", func(dir string) {
		b, _ := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
		writeFile(t, filepath.Join(dir, "Chart.yaml"), string(b)+"type: library\n")
	})
	if _, err := charts.Render(library, opts); err == nil || !strings.Contains(err.Error(), "chart postgresql is a library chart, which Helm does not install") {
		t.Errorf("library chart: %v", err)
	}
	tooNew := edited(t, "postgresql", func(dir string) {
		b, _ := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
		writeFile(t, filepath.Join(dir, "Chart.yaml"), string(b)+"kubeVersion: \">=1.36.0-0\"\n")
	})
	if _, err := charts.Render(tooNew, opts); err == nil || !strings.Contains(err.Error(), "chart postgresql requires kubeVersion >=1.36.0-0, which Kubernetes v1.35.4 (charts.kubeVersion) does not meet") {
		t.Errorf("kubeVersion: %v", err)
	}
}

const hookJob = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n  annotations:\n    helm.sh/hook: %s\nspec: {template: {spec: {containers: [{name: c, image: busybox:1.36}], restartPolicy: Never}}}\n"

func hookEntry(name, events string) charttest.Entry {
	return charttest.Entry{Name: "postgresql/templates/" + name + ".yaml", Body: strings.ReplaceAll(strings.Replace(hookJob, "%s", name, 1), "%s", events)}
}

// TestHooks: test and uninstall hooks are dropped and listed; hooks that
// need Helm's install-time ordering are refused, each named with its
// annotation.
func TestHooks(t *testing.T) {
	r := render(t, archive(t, "postgresql",
		hookEntry("smoke", "test"),
		hookEntry("legacy-test", "test-success"),
		hookEntry("cleanup", "pre-delete, post-delete"),
		hookEntry("ancient", "crd-install"), // no Helm event: Helm drops it too
	), opts)
	if got := kinds(r.Objects); got != "Service/postgresql,StatefulSet/postgresql" {
		t.Errorf("objects %s", got)
	}
	var dropped []string
	for _, h := range r.Dropped {
		dropped = append(dropped, h.String()+": "+h.DropReason())
	}
	want := "Job cleanup (postgresql/templates/cleanup.yaml, helm.sh/hook: pre-delete,post-delete): only `helm uninstall` runs it\n" +
		"Job legacy-test (postgresql/templates/legacy-test.yaml, helm.sh/hook: test): only `helm test` runs it\n" +
		"Job smoke (postgresql/templates/smoke.yaml, helm.sh/hook: test): only `helm test` runs it"
	if got := strings.Join(dropped, "\n"); got != want {
		t.Errorf("dropped:\n%s\nwant:\n%s", got, want)
	}

	_, err := charts.Render(archive(t, "postgresql", hookEntry("migrate", "pre-install,pre-upgrade"), hookEntry("smoke", "test")), opts)
	if err == nil || !strings.Contains(err.Error(), "chart postgresql has hooks that Helm runs once, in order, around an install, upgrade or rollback, which an apply from Git cannot do: "+
		"Job migrate (postgresql/templates/migrate.yaml, helm.sh/hook: pre-install,pre-upgrade)") {
		t.Errorf("got %v", err)
	}
}

// TestUntrustedArchives: chart archives are untrusted input.
func TestUntrustedArchives(t *testing.T) {
	tests := []struct {
		name  string
		extra []charttest.Entry
		want  string
	}{
		{"symlink", []charttest.Entry{{Name: "postgresql/templates/link.yaml", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}, "is a link"},
		{"hard link", []charttest.Entry{{Name: "postgresql/templates/hard.yaml", Typeflag: tar.TypeLink, Linkname: "postgresql/Chart.yaml"}}, "is a link"},
		{"parent directory", []charttest.Entry{{Name: "postgresql/../../evil.yaml", Body: "x: 1"}}, "leaves the chart directory"},
		{"absolute path", []charttest.Entry{{Name: "/etc/cron.d/evil", Body: "x"}}, "leaves the chart directory"},
		{"device", []charttest.Entry{{Name: "postgresql/dev", Typeflag: tar.TypeChar}}, "may hold only files and directories"},
		{"file beyond Helm's limit", []charttest.Entry{{Name: "postgresql/big.txt", Body: strings.Repeat("0", 5*1024*1024+1)}}, "more than Helm's limit"},
		{"schema loads a file", []charttest.Entry{{Name: "postgresql/values.schema.json", Body: `{"$ref": "file:///etc/passwd"}`}}, "would load a file or URL"},
		{"schema loads a URL", []charttest.Entry{{Name: "postgresql/values.schema.json", Body: `{"properties": {"a": {"$ref": "https://example.com/s.json"}}}`}}, "would load a file or URL"},
		{"sub-chart schema loads a URL", []charttest.Entry{{Name: "postgresql/charts/sub/Chart.yaml", Body: "apiVersion: v2\nname: sub\nversion: 1.0.0\n"}, {Name: "postgresql/charts/sub/values.schema.json", Body: `{"$ref": "https://example.com/s.json"}`}}, "sub-chart postgresql/charts/sub: values.schema.json"},
		{"hooks", []charttest.Entry{hookEntry("init", "pre-install")}, "has hooks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := charts.Render(archive(t, "postgresql", tt.extra...), opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("want error containing %q, got %v", tt.want, err)
			}
		})
	}
}
