package charts

// Gap is something in a pinned chart's rendering that breaks a platform
// rule and that no value of the chart changes. The expanded view reports
// each with its reason; the real-chart tests fail when a listed gap is no
// longer there or another appears; the README lists them.
type Gap struct {
	Chart, Version string
	// Object is Kind/name, Container the container's name.
	Object, Container string
	// Rule is the platform rule broken: resources, pullPolicy or pinning.
	Rule string
	Why  string
}

// Rules a gap can break.
const (
	RuleResources  = "resources"
	RulePullPolicy = "pullPolicy"
	RulePinning    = "pinning"
)

const (
	noResources     = "the template gives this container no resources and reads no value for them"
	alwaysPull      = "the template writes imagePullPolicy: Always"
	noPullPolicy    = "the template writes no imagePullPolicy, so Kubernetes pulls the untagged image Always"
	untaggedBusybox = "the template writes image: busybox, without a tag (latest)"
)

// Advice says what to do about the gaps of a chart rendered for the
// sub-chart under charts.<key>.
func (g Gap) Advice(key string) string {
	switch g.Chart {
	case "kasm-single-zone":
		return "kasm-single-zone cannot be rendered inline (it has install hooks); chart kasm 1.1181.1 is the supported alternative"
	default:
		return "render it inline (charts." + key + ".mode: inline), where the rules fix it"
	}
}

// KnownGaps are the gaps of the pinned charts, found by rendering the real
// archives.
func KnownGaps() []Gap {
	out := []Gap{
		{"coturn", "9.4.0", "Deployment/coturn-coturn", "add-secret-values-to-config", RuleResources, noResources},
		{"coturn", "9.4.0", "Deployment/coturn-coturn", "add-secret-values-to-config", RulePullPolicy, alwaysPull},
		{"gpu-operator", "v25.10.1", "Job/gpu-operator-upgrade-crd", "upgrade-crd", RuleResources, noResources + " (pre-upgrade hook)"},
		{"gpu-operator", "v25.10.1", "Job/gpu-operator-node-feature-discovery-prune", "nfd-master", RuleResources,
			"post-delete hook of the node-feature-discovery sub-chart: master.resources lands at pod level (spec.template.spec.resources), not on the container"},
	}
	return append(out, kasmSingleZoneGaps()...)
}

// kasmSingleZoneGaps are kasm-single-zone 1.16.0's: its wait and permission
// init containers, its database init Job and its busybox images.
func kasmSingleZoneGaps() []Gap {
	var out []Gap
	add := func(object, container, rule, why string) {
		out = append(out, Gap{"kasm-single-zone", "1.16.0", object, container, rule, why})
	}
	waits := []struct {
		object     string
		containers []string
	}{
		{"Deployment/kasm-api-deployment", []string{"db-is-ready"}},
		{"Deployment/kasm-guac-deployment", []string{"kasm-api-is-ready"}},
		{"Deployment/kasm-manager-deployment", []string{"kasm-api-is-ready"}},
		{"Deployment/kasm-proxy-deployment", []string{"kasm-api-is-ready", "kasm-manager-is-ready", "kasm-share-is-ready", "kasm-guac-is-ready", "rdp-gateway-is-ready"}},
		{"Deployment/rdp-gateway-deployment", []string{"kasm-api-is-ready"}},
		{"Deployment/rdp-https-gw-deployment", []string{"kasm-api-is-ready"}},
		{"Deployment/kasm-share-deployment", []string{"redis-is-ready", "kasm-api-is-ready"}},
		{"Job/kasm-db-init-job", []string{"db-is-ready", "kasm-db-init-container"}},
	}
	for _, w := range waits {
		for _, c := range w.containers {
			add(w.object, c, RuleResources, noResources)
		}
	}
	perms := []struct{ object, container string }{
		{"Deployment/kasm-guac-deployment", "guac-tmp-perms"},
		{"Deployment/kasm-proxy-deployment", "proxy-data-perms"},
		{"Deployment/rdp-gateway-deployment", "rdp-gateway-tmp-perms"},
		{"Deployment/rdp-https-gw-deployment", "rdp-https-gateway-tmp-perms"},
		{"StatefulSet/kasm-db-statefulset", "db-data-perms"},
	}
	for _, p := range perms {
		add(p.object, p.container, RuleResources, noResources)
		add(p.object, p.container, RulePinning, untaggedBusybox)
	}
	add("StatefulSet/kasm-db-statefulset", "db-data-perms", RulePullPolicy, noPullPolicy)
	return out
}

// FindGap finds the known gap of a chart's object and container for a rule.
func FindGap(chart Chart, object, container, rule string) (Gap, bool) {
	for _, g := range KnownGaps() {
		if g.Chart == chart.Name && g.Version == chart.Version && g.Object == object && g.Container == container && g.Rule == rule {
			return g, true
		}
	}
	return Gap{}, false
}
