package realcharts

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/generators"
)

// gap is something in a chart's rendering that breaks a platform rule and
// that no value of the chart can change. The README lists the same gaps.
type gap struct {
	chart, object, container, field, why string
}

func (g gap) key() string { return g.chart + " " + g.object + " " + g.container + " " + g.field }

// Fields of a container that the platform's rules cover.
const (
	fieldResources  = "resources"
	fieldPullPolicy = "imagePullPolicy"
	fieldImageTag   = "image"
)

// fields are the container fields each rule a gap breaks covers.
var fields = map[string]string{
	charts.RuleResources:  fieldResources,
	charts.RulePullPolicy: fieldPullPolicy,
	charts.RulePinning:    fieldImageTag,
}

// allGaps are the known gaps of the pinned charts, the list `vdirender
// expand` explains its findings with and the README shows.
func allGaps() map[string]gap {
	out := map[string]gap{}
	for _, g := range charts.KnownGaps() {
		tg := gap{g.Chart, g.Object, g.Container, fields[g.Rule], g.Why}
		out[tg.key()] = tg
	}
	return out
}

// violations lists what breaks the platform's container rules in one chart's
// rendering: CPU and memory requests and limits, pull policy IfNotPresent,
// images with a tag other than latest or a digest.
func violations(chart string, objs []map[string]any) []gap {
	var out []gap
	for _, o := range objs {
		kind := str(o["kind"])
		meta, _ := o["metadata"].(map[string]any)
		object := kind + "/" + str(meta["name"])
		spec := podSpec(o)
		if spec == nil {
			continue
		}
		for _, list := range []string{"initContainers", "containers"} {
			cs, _ := spec[list].([]any)
			for _, c := range cs {
				c, _ := c.(map[string]any)
				name := str(c["name"])
				res, _ := c["resources"].(map[string]any)
				var missing []string
				for _, section := range []string{"requests", "limits"} {
					m, _ := res[section].(map[string]any)
					for _, r := range []string{"cpu", "memory"} {
						if _, ok := m[r]; !ok {
							missing = append(missing, section+"."+r)
						}
					}
				}
				if len(missing) > 0 {
					out = append(out, gap{chart, object, name, fieldResources, "missing " + strings.Join(missing, ", ")})
				}
				if p := str(c["imagePullPolicy"]); p != "IfNotPresent" {
					out = append(out, gap{chart, object, name, fieldPullPolicy, fmt.Sprintf("imagePullPolicy %q", p)})
				}
				if img := str(c["image"]); !pinned(img) {
					out = append(out, gap{chart, object, name, fieldImageTag, fmt.Sprintf("image %q", img)})
				}
			}
		}
	}
	return out
}

// pinned: a digest, or a tag other than latest.
func pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	return colon > slash && image[colon+1:] != "latest"
}

func podSpec(o map[string]any) map[string]any {
	spec, _ := o["spec"].(map[string]any)
	switch str(o["kind"]) {
	case "Pod":
		return spec
	case "CronJob":
		jt, _ := spec["jobTemplate"].(map[string]any)
		spec, _ = jt["spec"].(map[string]any)
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
	default:
		return nil
	}
	tmpl, _ := spec["template"].(map[string]any)
	ps, _ := tmpl["spec"].(map[string]any)
	return ps
}

// emptyRequired finds names a pod or an Ingress needs that rendered empty or
// null, such as a Secret volume without secretName or an env secretKeyRef
// without a key.
func emptyRequired(objs []map[string]any) []string {
	required := map[string]bool{"secretName": true, "claimName": true, "image": true, "serviceName": true}
	var out []string
	var walk func(path string, parent string, v any)
	walk = func(path, parent string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if c == nil && (required[k] || k == "name" || k == "key") {
					out = append(out, path+"."+k+" is null")
					continue
				}
				if s, ok := c.(string); ok && s == "" {
					// name and key of references (secretKeyRef, configMap
					// volumes, backends) must never be empty.
					if required[k] || ((k == "name" || k == "key") && parent != "") {
						out = append(out, path+"."+k+" is empty")
					}
				}
				walk(path+"."+k, k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), parent, c)
			}
		}
	}
	for _, o := range objs {
		if ps := podSpec(o); ps != nil {
			walk(id(o)+" pod", "", ps)
		}
		if str(o["kind"]) == "Ingress" {
			walk(id(o)+".spec", "", o["spec"])
		}
	}
	return out
}

// TestRealChartsRender renders every chart release of every example (and of
// each with kasm-single-zone pinned) with its exact valuesContent through the
// real helm template, and checks the rendering: no empty required name,
// every container within the platform's rules unless it is a documented gap,
// no gap listed that is no longer there, ClusterIP Services without an
// external traffic policy, the device plugin at its pinned version, and
// every IngressRoute service present with its port.
func TestRealChartsRender(t *testing.T) {
	dir := charttest.RealChartsDir(t)
	helm := charttest.Helm(t)
	known := allGaps()
	seen := map[string]bool{}
	rendered := map[string]bool{}
	for _, v := range variants {
		rels, objs := render(t, v)
		services := map[string]map[int64]bool{} // namespace/name -> ports
		for _, r := range rels {
			if !r.HasArchive(dir) {
				t.Logf("%s: no archive of %s %s; its keys are proven against its schema instead", r, r.Chart, r.Version)
				continue
			}
			out, err := renderRelease(helm, dir, r)
			if err != nil {
				t.Errorf("%s: %v", r, err)
				continue
			}
			rendered[r.Chart] = true
			for _, e := range emptyRequired(out) {
				t.Errorf("%s: %s", r, e)
			}
			for _, g := range violations(r.Chart, out) {
				if _, ok := known[g.key()]; !ok {
					t.Errorf("%s: %s container %s: %s: %s", r, g.object, g.container, g.field, g.why)
				}
				seen[g.key()] = true
			}
			for _, o := range out {
				spec, _ := o["spec"].(map[string]any)
				switch str(o["kind"]) {
				case "Service":
					if str(spec["type"]) == "ClusterIP" || spec["type"] == nil {
						if p, ok := spec["externalTrafficPolicy"]; ok {
							t.Errorf("%s: %s is ClusterIP with externalTrafficPolicy %v, which the API server refuses", r, id(o), p)
						}
					}
					meta, _ := o["metadata"].(map[string]any)
					key := r.Namespace + "/" + str(meta["name"])
					services[key] = map[int64]bool{}
					ports, _ := spec["ports"].([]any)
					for _, p := range ports {
						p, _ := p.(map[string]any)
						if n, ok := number(p["port"]); ok {
							services[key][n] = true
						}
					}
				case "ClusterPolicy":
					for _, operand := range []string{"devicePlugin", "gfd"} {
						op, _ := spec[operand].(map[string]any)
						if got := str(op["version"]); got != generators.DevicePluginVersion {
							t.Errorf("%s: ClusterPolicy %s.version %q, want %s", r, operand, got, generators.DevicePluginVersion)
						}
					}
				}
			}
		}
		checkRoutes(t, v, objs, services)
	}
	for key, g := range known {
		if rendered[g.chart] && !seen[key] {
			t.Errorf("gap %q (%s) is listed but no longer seen: remove it here and in the README", key, g.why)
		}
	}
}

// checkRoutes checks that every Service an IngressRoute or IngressRouteUDP
// of vdirender names is one the charts render, with the port named. Routes
// to charts without an archive (kasm 1.18) and to vdirender's own Services
// are skipped.
func checkRoutes(t *testing.T, v variant, objs []map[string]any, services map[string]map[int64]bool) {
	t.Helper()
	for _, o := range objs {
		kind := str(o["kind"])
		if kind != "IngressRoute" && kind != "IngressRouteUDP" {
			continue
		}
		meta, _ := o["metadata"].(map[string]any)
		ns := str(meta["namespace"])
		if ns != "kasm" {
			continue // the operator's gateway is vdirender's own Service
		}
		spec, _ := o["spec"].(map[string]any)
		routes, _ := spec["routes"].([]any)
		for _, rt := range routes {
			rt, _ := rt.(map[string]any)
			svcs, _ := rt["services"].([]any)
			for _, s := range svcs {
				s, _ := s.(map[string]any)
				name := str(s["name"])
				port, _ := number(s["port"])
				key := ns + "/" + name
				ports, ok := services[key]
				switch {
				case !ok && name == "kasm-proxy-default":
					t.Logf("%s: %s routes to %s, the kasm 1.18 chart's proxy Service (its Ingress names it; no archive to render)", v.name, id(o), key)
				case !ok:
					t.Errorf("%s: %s routes to Service %s, which no chart renders", v.name, id(o), key)
				case !ports[port]:
					t.Errorf("%s: %s routes to %s port %v, which the Service does not expose", v.name, id(o), key, port)
				}
			}
		}
	}
}
