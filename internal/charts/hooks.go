package charts

import (
	"fmt"
	"sort"
	"strings"

	releasev1 "helm.sh/helm/v4/pkg/release/v1"
)

// Hooks. `helm template` prints a chart's hooks with its manifests; Helm
// itself runs them as one-off steps around an install, upgrade, rollback,
// uninstall or `helm test`, in weight order, and deletes them after. An
// apply from Git has none of these events and no order, so:
//
//   - test hooks (helm.sh/hook: test, test-success) are dropped: only
//     `helm test` runs them;
//   - hooks that run only on uninstall (pre-delete, post-delete) are
//     dropped: a GitOps prune deletes the objects without them;
//   - any other hook (pre/post-install, -upgrade, -rollback) is refused,
//     naming the object, its template and its annotation: applied as a
//     plain object it would run on every sync, or at the wrong time, and
//     leaving it out would skip a step the chart needs. A chart that has
//     such a hook must be told to leave it out (see knownHooks).
//
// Hooks whose annotation names no Helm event are dropped, as Helm drops them.

// Hook is one hook of a chart.
type Hook struct {
	Kind, Name string
	// Path is the template it comes from, e.g. gpu-operator/templates/x.yaml.
	Path string
	// Events is the helm.sh/hook annotation, normalized.
	Events string
}

func (h Hook) String() string {
	return fmt.Sprintf("%s %s (%s, helm.sh/hook: %s)", h.Kind, h.Name, h.Path, h.Events)
}

type hook struct {
	Hook
	manifest string
	events   []releasev1.HookEvent
}

// dropEvents are the events an apply from Git never has.
var dropEvents = map[releasev1.HookEvent]string{
	releasev1.HookTest:       "only `helm test` runs it",
	releasev1.HookPreDelete:  "only `helm uninstall` runs it",
	releasev1.HookPostDelete: "only `helm uninstall` runs it",
}

func (h *hook) dropped() bool {
	for _, e := range h.events {
		if _, ok := dropEvents[e]; !ok {
			return false
		}
	}
	return true
}

func newHook(kind, name, path, manifest string, events []releasev1.HookEvent) *hook {
	s := make([]string, len(events))
	for i, e := range events {
		s[i] = e.String()
	}
	return &hook{Hook: Hook{Kind: kind, Name: name, Path: path, Events: strings.Join(s, ",")}, manifest: manifest, events: events}
}

// checkHooks refuses the hooks that need Helm's install-time ordering.
func checkHooks(chartName string, hooks []*hook) error {
	var lines, fixes []string
	seen := map[string]bool{}
	for _, h := range hooks {
		if h.dropped() {
			continue
		}
		lines = append(lines, h.Hook.String())
		if v := hookValue(h.Path); v != "" && !seen[v] {
			seen[v] = true
			fixes = append(fixes, "set "+v)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	sort.Strings(lines)
	if len(fixes) == 0 {
		fixes = []string{"find the value that turns them off in the chart's values.yaml"}
	}
	return fmt.Errorf("chart %s has hooks that Helm runs once, in order, around an install, upgrade or rollback, which an apply from Git cannot do: %s; to fix it: %s",
		chartName, strings.Join(lines, "; "), strings.Join(fixes, "; "))
}

func droppedHooks(hooks []*hook) []Hook {
	var out []Hook
	for _, h := range hooks {
		if h.dropped() {
			out = append(out, h.Hook)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// DropReason says why a dropped hook is not applied.
func (h Hook) DropReason() string {
	if strings.Contains(h.Events, "test") {
		return dropEvents[releasev1.HookTest]
	}
	return dropEvents[releasev1.HookPreDelete]
}

// hookValue names, for the hooks of the charts vdirender pins, the value
// that turns them off.
func hookValue(template string) string {
	name, prefix := templateChart(template)
	for _, k := range knownHooks {
		if k.chart == name && strings.HasSuffix(template, "/templates/"+k.template) {
			return prefix + k.value
		}
	}
	return ""
}

var knownHooks = []struct{ chart, template, value string }{
	// A pre-upgrade Job that applies the chart's CRDs with kubectl: inline,
	// the CRDs are rendered from crds/ and applied with everything else.
	{"gpu-operator", "upgrade_crd.yaml", "operator.upgradeCRD: false (the CRDs are rendered from the chart's crds/ and applied with everything else)"},
}
