package charttest

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// RealChartsEnv names the folder holding the real upstream chart archives
// at the versions vdirender pins (see /work/shared/tools/real-charts.md);
// default ~/.cache/vdirender/real-charts. Their code is never committed.
const RealChartsEnv = "VDIRENDER_REAL_CHARTS"

// HelmEnv names the helm CLI built from the pinned module (hack/helm.sh);
// default ~/.cache/vdirender/helm-v4.2.4/helm.
const HelmEnv = "VDIRENDER_HELM"

// RealArchiveByKey are the real archives of the charts vdirender pins, by their
// key under charts:. Kasm is missing: the pinned chart (kasm 1.1181.1 from
// helm.kasmweb.com) is not available offline, so it stays a HelmChart.
var RealArchiveByKey = map[string]string{
	"postgresql":  "postgresql-15.3.1.tgz",
	"redis":       "redis-21.2.13.tgz",
	"coturn":      "coturn-9.4.0.tgz",
	"gpuOperator": "gpu-operator-v25.10.1.tgz",
}

func cacheDir(tb testing.TB) string {
	home, err := os.UserHomeDir()
	if err != nil {
		tb.Skipf("no home directory: %v", err)
	}
	return filepath.Join(home, ".cache", "vdirender")
}

// RealCharts returns the folder of real chart archives, or skips the test
// when it (or one of RealArchiveByKey) is missing.
func RealCharts(tb testing.TB) string {
	tb.Helper()
	dir := realChartsPath(tb)
	for _, f := range sortedArchives() {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			tb.Skipf("real chart archives not found (%v): set %s to the folder of real-charts.sh", err, RealChartsEnv)
		}
	}
	return dir
}

// Helm returns the helm CLI (VDIRENDER_HELM, default the one hack/helm.sh
// builds), or skips the test when there is none; under
// VDIRENDER_E2E=required a missing helm fails it.
func Helm(tb testing.TB) string {
	tb.Helper()
	helm := os.Getenv(HelmEnv)
	if helm == "" {
		helm = filepath.Join(cacheDir(tb), "helm-v4.2.4", "helm")
	}
	if _, err := os.Stat(helm); err != nil {
		if os.Getenv("VDIRENDER_E2E") == "required" {
			tb.Fatalf("helm not found (%v): run make test", err)
		}
		tb.Skipf("helm not found (%v): set %s or run hack/helm.sh", err, HelmEnv)
	}
	return helm
}

// realChartsPath is the folder the real archives are read from.
func realChartsPath(tb testing.TB) string {
	if dir := os.Getenv(RealChartsEnv); dir != "" {
		return dir
	}
	return filepath.Join(cacheDir(tb), "real-charts")
}

func sortedArchives() []string {
	var out []string
	for _, f := range RealArchiveByKey {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// RealInlinePackage copies the VDIPlatform of example (a directory under
// root/examples) into a temporary package, switches every sub-chart with a
// real archive to inline mode, vendors the archives from realDir and writes
// the lock the way `vdirender lock` does.
func RealInlinePackage(tb testing.TB, root, example, realDir string) string {
	tb.Helper()
	archives := map[string]inlineArchive{}
	for key, file := range RealArchiveByKey {
		data, err := os.ReadFile(filepath.Join(realDir, file))
		if err != nil {
			tb.Fatal(err)
		}
		archives[key] = inlineArchive{file, data}
	}
	return inlinePackage(tb, root, example, archives)
}

// HasRealCharts says whether every archive of RealArchiveByKey is in the
// folder RealCharts reads, and returns that folder.
func HasRealCharts(tb testing.TB) (string, bool) {
	dir := realChartsPath(tb)
	for _, f := range sortedArchives() {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return dir, false
		}
	}
	return dir, true
}

// FixtureInlinePackage is RealInlinePackage with the fixture charts of
// root/testdata/charts (Fixtures: PostgreSQL, Redis, coturn) in place of
// the real archives; the other sub-charts keep the example's mode.
func FixtureInlinePackage(tb testing.TB, root, example string) string {
	tb.Helper()
	archives := map[string]inlineArchive{}
	for name, version := range Fixtures {
		data, err := Archive(filepath.Join(root, "testdata", "charts", name), name)
		if err != nil {
			tb.Fatal(err)
		}
		archives[name] = inlineArchive{name + "-" + version + ".tgz", data}
	}
	return inlinePackage(tb, root, example, archives)
}

type inlineArchive struct {
	file string
	data []byte
}

// inlinePackage copies the example's VDIPlatform, vendors archives (by
// key under spec.charts) and switches those sub-charts to inline mode.
func inlinePackage(tb testing.TB, root, example string, archives map[string]inlineArchive) string {
	tb.Helper()
	dir := tb.TempDir()
	src, err := os.ReadFile(filepath.Join(root, "examples", example, "platform.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	platform, err := yaml.Parse(string(src))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "charts"), 0o755); err != nil {
		tb.Fatal(err)
	}
	for key, a := range archives {
		if err := os.WriteFile(filepath.Join(dir, "charts", a.file), a.data, 0o644); err != nil {
			tb.Fatal(err)
		}
		for field, value := range map[string]string{"mode": "inline", "archive": "charts/" + a.file} {
			if err := platform.PipeE(yaml.LookupCreate(yaml.ScalarNode, "spec", "charts", key, field), yaml.FieldSetter{StringValue: value}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), []byte(platform.MustString()), 0o644); err != nil {
		tb.Fatal(err)
	}
	Lock(tb, dir)
	return dir
}
