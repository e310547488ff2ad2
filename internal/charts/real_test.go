//go:build unix

package charts_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/values"
)

// realPlatforms pin the sub-charts inline from repo at the versions of the
// real-charts folder: the defaults for postgresql, redis, coturn and
// gpu-operator. For Kasm the folder holds kasm-single-zone 1.16.0, not the
// default kasm 1.1181.1, and kasm-single-zone brings its own database and
// Redis: so one platform pulls Kasm, coturn and gpu-operator, the other
// the Bitnami charts, coturn and gpu-operator (Kasm left to helm-controller).
// Traefik is not a sub-chart (K3s ships it). The values are the number of
// charts each pulls.
func realPlatforms(repo string) map[string]int {
	return map[string]int{realPlatform(repo, "kasm: {mode: inline, repo: %[1]q, name: kasm-single-zone, version: 1.16.0}", false): 3,
		realPlatform(repo, "", true): 4}
}

func realPlatform(repo, kasm string, bitnami bool) string {
	extra := ""
	if kasm != "" {
		extra += "    " + fmt.Sprintf(kasm, repo) + "\n"
	}
	if bitnami {
		extra += fmt.Sprintf("    postgresql: {mode: inline, repo: %[1]q}\n    redis: {mode: inline, repo: %[1]q}\n", repo)
	}
	return fmt.Sprintf(`apiVersion: config.vdirender.dev/v1alpha1
kind: VDIPlatform
metadata:
  name: real
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  global:
    hostname: kasm.example.com
  charts:
%[2]s    coturn: {mode: inline, repo: %[1]q}
    gpuOperator: {mode: inline, repo: %[1]q}
`, repo, extra)
}

// realCharts skips the test when the real-charts folder is absent.
func realCharts(t *testing.T) (string, []charttest.RealArchive) {
	t.Helper()
	dir := charttest.RealRepoDir()
	if dir == "" {
		t.Skip("no real-charts folder (VDIRENDER_REAL_CHARTS, default ~/.cache/vdirender/real-charts)")
	}
	return dir, charttest.RealArchives(t, dir)
}

// TestPullRealCharts pulls the real upstream archives of every sub-chart
// from their real index.yaml (relative URLs, sha256 digests), served on
// 127.0.0.1, and from an OCI registry they are pushed to; the digests
// written are the folder's SHA256SUMS, and a second pull does nothing.
func TestPullRealCharts(t *testing.T) {
	dir, archives := realCharts(t)
	sums := map[string]string{}
	for _, a := range archives {
		sums[a.File] = a.Digest
	}
	reg := charttest.NewRegistry(t)
	for _, a := range archives {
		data, err := os.ReadFile(filepath.Join(dir, a.File))
		if err != nil {
			t.Fatal(err)
		}
		reg.PushChart("charts/"+a.Name, a.Version, a.Name, a.Version, data)
	}
	repo := charttest.RealRepo(t, dir)
	for _, src := range []struct {
		name, repo string
		opts       charts.PullOptions
	}{
		{"index", repo.URL, charts.PullOptions{}},
		{"oci", "oci://" + reg.Host() + "/charts", charts.PullOptions{Fetcher: charts.Fetcher{PlainHTTP: true}}},
	} {
		for platform, want := range realPlatforms(src.repo) {
			t.Run(src.name, func(t *testing.T) {
				pkg := t.TempDir()
				must(t, os.WriteFile(filepath.Join(pkg, "platform.yaml"), []byte(platform), 0o644))
				report, err := pull(t, pkg, src.opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(report.Charts) != want {
					t.Fatalf("pulled %d charts, want %d", len(report.Charts), want)
				}
				lock, err := charts.ReadLock(pkg)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range report.Charts {
					want, ok := sums[filepath.Base(c.Archive)]
					if !ok || c.Digest != want || c.State != charts.Pulled {
						t.Errorf("%s: %s %s, want %s", c.Key, c.State, c.Digest, want)
					}
					if e, _ := lock.Entry(c.Key); e.Digest != want {
						t.Errorf("%s: lock pins %s", c.Key, e.Digest)
					}
				}
				before := tree(t, pkg)
				report, err = pull(t, pkg, src.opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(report.Written) != 0 {
					t.Errorf("second pull wrote %v", report.Written)
				}
				if diff := cmp.Diff(before, tree(t, pkg)); diff != "" {
					t.Errorf("second pull changed the package:\n%s", diff)
				}
			})
		}
	}
}

// TestFetchRealCharts fetches every archive of the real-charts folder
// (Traefik included) through its index: each passes the archive checks and
// holds the chart and version its file name says.
func TestFetchRealCharts(t *testing.T) {
	dir, archives := realCharts(t)
	repo := charttest.RealRepo(t, dir)
	for _, a := range archives {
		t.Run(a.File, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			f := charts.Fetcher{}
			got, err := f.Fetch(ctx, values.Chart{Repo: repo.URL, Name: a.Name, Version: a.Version})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(filepath.Join(dir, a.File))
			if got.Digest != a.Digest || got.Listed != a.Digest || !bytes.Equal(got.Data, want) {
				t.Errorf("digest %s listed %s, want %s", got.Digest, got.Listed, a.Digest)
			}
		})
	}
}
