package charts_test

import (
	"archive/tar"
	"strings"
	"testing"

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

var opts = charts.Options{
	Release: "postgresql", Namespace: "kasm", KubeVersion: "v1.35.4",
	APIVersions: []string{"v1", "apps/v1", "traefik.io/v1alpha1"},
	Values:      map[string]any{"primary": map[string]any{"persistence": map[string]any{"storageClass": "local-path"}}},
}

func TestRender(t *testing.T) {
	items, err := charts.Render(archive(t, "postgresql"), opts)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.GetKind())
		if it.GetNamespace() != "kasm" {
			t.Errorf("%s %s in namespace %q, want the release namespace", it.GetKind(), it.GetName(), it.GetNamespace())
		}
	}
	// Helm's install order: Services before StatefulSets.
	if strings.Join(kinds, ",") != "Service,StatefulSet" {
		t.Errorf("kinds %v", kinds)
	}
	sts := items[1].MustString()
	for _, want := range []string{
		"fixture/kube-version: \"v1.35.4\"", // explicit, not the SDK's default
		"fixture/has-traefik: \"true\"",
		"storageClassName: \"local-path\"", // our value over the chart's default
		"image: docker.io/bitnami/postgresql:16.3.0-debian-12-r14",
	} {
		if !strings.Contains(sts, want) {
			t.Errorf("StatefulSet lacks %q:\n%s", want, sts)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, err := charts.Render(archive(t, "postgresql"), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := charts.Render(archive(t, "postgresql"), opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i].MustString() != b[i].MustString() {
			t.Errorf("object %d differs between renders", i)
		}
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
		{"hooks", []charttest.Entry{{Name: "postgresql/templates/hook.yaml", Body: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: init\n  annotations:\n    helm.sh/hook: pre-install\nspec: {template: {spec: {containers: [{name: c, image: busybox:1.36}], restartPolicy: Never}}}\n"}}, "has hooks"},
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
