package fn_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/manifest"
)

const platformNoAnnotation = `apiVersion: config.vdirender.dev/v1alpha1
kind: VDIPlatform
metadata: {name: p}
spec:
  global: {hostname: kasm.example.com}
`

// claim is a PersistentVolumeClaim local-path can never serve: an error
// for the storage rule in every mode but off.
func claim(name, annotations string) string {
	return `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ` + name + `
  namespace: apps
  annotations: {` + annotations + `}
spec:
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 1Gi}}
`
}

// TestLocalConfigBuildAndValidateAgree: build and validate treat the same
// objects as local config: the VDIPlatform (annotated or not) and objects
// annotated local-config "true" are neither checked nor emitted; any other
// value of the annotation is applied by kpt and Argo CD, so it is checked.
func TestLocalConfigBuildAndValidateAgree(t *testing.T) {
	tests := []struct {
		name, objects string
		// wantError: build and validate both fail on the claim.
		wantError bool
		// emitted: the claim is in build's output.
		emitted bool
	}{
		{"local config is not checked", claim("scratch", `config.kubernetes.io/local-config: "true"`), false, false},
		{"local-config false is checked", claim("scratch", `config.kubernetes.io/local-config: "false"`), true, true},
		{"local-config empty is checked", claim("scratch", `config.kubernetes.io/local-config: ""`), true, true},
		{"no annotation is checked", claim("scratch", ``), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), []byte(platformNoAnnotation), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "claim.yaml"), []byte(tt.objects), 0o644); err != nil {
				t.Fatal(err)
			}
			items, _, berr := fn.Build(dir)
			_, vres, verr := fn.ValidatePath(dir)
			if verr != nil {
				t.Fatal(verr)
			}
			if got := fn.HasErrors(vres); got != tt.wantError {
				t.Errorf("validate errors = %v, want %v: %v", got, tt.wantError, vres)
			}
			if got := berr != nil; got != tt.wantError {
				t.Fatalf("build error = %v, want %v", berr, tt.wantError)
			}
			if berr != nil {
				return
			}
			var buf bytes.Buffer
			if err := manifest.Write(&buf, items); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "kind: VDIPlatform") {
				t.Error("build emitted the VDIPlatform")
			}
			if got := strings.Contains(buf.String(), "name: scratch"); got != tt.emitted {
				t.Errorf("claim emitted = %v, want %v", got, tt.emitted)
			}
		})
	}
}

// TestFunctionMarksPlatformLocal: in the KRM function's output the
// VDIPlatform is local config even when the input forgot to say so, so kpt,
// kustomize and Argo CD never apply it.
func TestFunctionMarksPlatformLocal(t *testing.T) {
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + fnConfig +
		"items:\n- apiVersion: config.vdirender.dev/v1alpha1\n  kind: VDIPlatform\n  metadata: {name: p}\n  spec:\n    global: {hostname: kasm.example.com}\n"
	out, err := run(t, []byte(rl))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(out), "kind: VDIPlatform")
	if i < 0 {
		t.Fatalf("no VDIPlatform in the output:\n%s", out)
	}
	if rest := string(out[i:]); !strings.Contains(strings.ReplaceAll(rest[:min(len(rest), 300)], "'", `"`), `config.kubernetes.io/local-config: "true"`) {
		t.Errorf("VDIPlatform not marked local config:\n%s", rest[:min(len(rest), 300)])
	}
}
