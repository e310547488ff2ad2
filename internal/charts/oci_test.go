//go:build unix

package charts_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

// pushFixtures pushes every fixture chart to reg under charts/.
func pushFixtures(t *testing.T, reg *charttest.Registry) map[string]charttest.Manifest {
	t.Helper()
	out := map[string]charttest.Manifest{}
	archives := charttest.FixtureArchives(t, fixtures)
	for name, version := range charttest.Fixtures {
		out[name] = reg.PushChart("charts/"+name, version, name, version, archives[name+"-"+version+".tgz"])
	}
	return out
}

// TestPullOCI: a package whose inline charts are in an OCI registry is
// pulled like one from a chart repository, the registry's token challenge
// answered; a second pull fetches nothing.
func TestPullOCI(t *testing.T) {
	reg := charttest.NewRegistry(t)
	pushFixtures(t, reg)
	dir := inlinePackage(t, "oci://"+reg.Host()+"/charts")
	opts := charts.PullOptions{Fetcher: charts.Fetcher{PlainHTTP: true}}
	report, err := pull(t, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	archives := charttest.FixtureArchives(t, fixtures)
	for _, c := range report.Charts {
		want := "oci://" + reg.Host() + "/charts/" + c.Name + ":" + c.Version
		if c.State != charts.Pulled || c.Source != want {
			t.Errorf("%s: %s from %s, want from %s", c.Key, c.State, c.Source, want)
		}
		got, _ := os.ReadFile(filepath.Join(dir, c.Archive))
		if !bytes.Equal(got, archives[filepath.Base(c.Archive)]) {
			t.Errorf("%s: not the archive pushed", c.Archive)
		}
	}
	if reg.Hits("/token") == 0 {
		t.Error("the token challenge was not answered")
	}
	before := tree(t, dir)
	hits := reg.Hits("/v2/charts/redis/manifests/21.2.13")
	report, err = pull(t, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Written) != 0 || reg.Hits("/v2/charts/redis/manifests/21.2.13") != hits {
		t.Errorf("second pull wrote %v or asked the registry again", report.Written)
	}
	if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
		t.Errorf("second pull changed the package:\n%s", diff)
	}
}

// TestFetchOCI: what a registry serves is checked like an index's archive.
func TestFetchOCI(t *testing.T) {
	archives := charttest.FixtureArchives(t, fixtures)
	redis := archives["redis-21.2.13.tgz"]
	other := charttest.NewRepo(t)
	other.Put("/blob", redis)
	redisChart := func(reg *charttest.Registry) values.Chart {
		return values.Chart{Repo: "oci://" + reg.Host() + "/charts", Name: "redis", Version: "21.2.13"}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, reg *charttest.Registry) values.Chart
		allow []string
		want  string // "" fetches redis
	}{
		{"good", func(t *testing.T, reg *charttest.Registry) values.Chart {
			reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", redis)
			return redisChart(reg)
		}, nil, ""},
		{"registry at its root", func(t *testing.T, reg *charttest.Registry) values.Chart {
			reg.PushChart("redis", "21.2.13", "redis", "21.2.13", redis)
			return values.Chart{Repo: "oci://" + reg.Host(), Name: "redis", Version: "21.2.13"}
		}, nil, ""},
		{"a + in the version is tagged _", func(t *testing.T, reg *charttest.Registry) values.Chart {
			data, err := charttest.ArchiveReplacing(fixtures+"/redis", "redis", map[string]string{"Chart.yaml": "apiVersion: v2\nname: redis\nversion: 21.2.13+build.1\n"})
			if err != nil {
				t.Fatal(err)
			}
			reg.PushChart("charts/redis", "21.2.13_build.1", "redis", "21.2.13+build.1", data)
			return values.Chart{Repo: "oci://" + reg.Host() + "/charts", Name: "redis", Version: "21.2.13+build.1"}
		}, nil, "no-check"},
		{"tag not found", func(t *testing.T, reg *charttest.Registry) values.Chart {
			return redisChart(reg)
		}, nil, "not found"},
		{"wrong version in archive", func(t *testing.T, reg *charttest.Registry) values.Chart {
			reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", archives["postgresql-15.3.1.tgz"])
			return redisChart(reg)
		}, nil, "holds postgresql 15.3.1, not redis 21.2.13"},
		{"blob that is not the one listed", func(t *testing.T, reg *charttest.Registry) values.Chart {
			m := reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", redis)
			bad := bytes.Clone(redis)
			bad[len(bad)-1] ^= 0xff
			reg.HandleBlob(m.Layers[0].Digest, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(bad) })
			return redisChart(reg)
		}, nil, "chart layer: digest sha256:"},
		{"chart layer over the limit", func(t *testing.T, reg *charttest.Registry) values.Chart {
			m := reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", redis)
			m.Layers[0].Size = input.MaxArchiveBytes + 1
			reg.PutManifest("charts/redis", "21.2.13", m)
			reg.HandleBlob(m.Layers[0].Digest, func(w http.ResponseWriter, r *http.Request) { t.Error("the oversized layer was fetched") })
			return redisChart(reg)
		}, nil, "the chart layer is 16777217 bytes, more than the 16777216 allowed"},
		{"not a Helm chart", func(t *testing.T, reg *charttest.Registry) values.Chart {
			m := reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", redis)
			m.Config.MediaType = "application/vnd.oci.image.config.v1+json"
			reg.PutManifest("charts/redis", "21.2.13", m)
			return redisChart(reg)
		}, nil, "not a Helm chart's application/vnd.cncf.helm.config.v1+json"},
		{"two chart layers", func(t *testing.T, reg *charttest.Registry) values.Chart {
			m := reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", redis)
			m.Layers = append(m.Layers, m.Layers[0])
			reg.PutManifest("charts/redis", "21.2.13", m)
			return redisChart(reg)
		}, nil, "manifest has 2 chart layers"},
		{"blob redirected to another host", func(t *testing.T, reg *charttest.Registry) values.Chart {
			m := reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", redis)
			reg.HandleBlob(m.Layers[0].Digest, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/blob", http.StatusTemporaryRedirect)
			})
			return redisChart(reg)
		}, nil, "vdirender follows redirects within the host"},
		{"blob redirected to an allowed host", func(t *testing.T, reg *charttest.Registry) values.Chart {
			m := reg.PushChart("charts/redis", "21.2.13", "redis", "21.2.13", redis)
			reg.HandleBlob(m.Layers[0].Digest, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/blob", http.StatusTemporaryRedirect)
			})
			return redisChart(reg)
		}, []string{strings.TrimPrefix(other.URL, "http://")}, ""},
		{"an oci repo with a query", func(t *testing.T, reg *charttest.Registry) values.Chart {
			return values.Chart{Repo: "oci://" + reg.Host() + "/charts?x=1", Name: "redis", Version: "21.2.13"}
		}, nil, "an oci:// repo is a host and a path, nothing else"},
		{"another scheme", func(t *testing.T, reg *charttest.Registry) values.Chart {
			return values.Chart{Repo: "ftp://" + reg.Host() + "/charts", Name: "redis", Version: "21.2.13"}
		}, nil, `scheme "ftp": vdirender pulls from http(s) chart repositories and oci:// registries only`},
		{"a file URL", func(t *testing.T, reg *charttest.Registry) values.Chart {
			return values.Chart{Repo: "file:///etc", Name: "redis", Version: "21.2.13"}
		}, nil, `scheme "file"`},
		{"a version range", func(t *testing.T, reg *charttest.Registry) values.Chart {
			return values.Chart{Repo: "oci://" + reg.Host() + "/charts", Name: "redis", Version: "^21.2.0"}
		}, nil, `version "^21.2.0" is not exact`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := charttest.NewRegistry(t)
			c := tt.setup(t, reg)
			f := charts.Fetcher{PlainHTTP: true, AllowRedirectHosts: tt.allow}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := f.Fetch(ctx, c)
			switch tt.want {
			case "":
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Data, redis) || got.Digest != charts.Digest(redis) || got.Listed != got.Digest {
					t.Errorf("fetched %d bytes, digest %s listed %s", len(got.Data), got.Digest, got.Listed)
				}
			case "no-check":
				if err != nil {
					t.Fatal(err)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("want an error containing %q, got %v", tt.want, err)
				}
				t.Logf("refused: %v", err)
			}
		})
	}
}
