package generators

import (
	"strconv"
	"strings"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/values"
)

// ObjectKey names a rendered object.
type ObjectKey struct{ Kind, Namespace, Name string }

// An Origin is the part of the values that made a rendered object: its
// path, and for the object's fields a rule may name, the values field they
// come from, so that a finding points at the line to change rather than at
// a generated file.
type Origin struct {
	Tokens []string
	// Fields maps a field path prefix of the object to the values path
	// under Tokens it comes from (dot-separated).
	Fields map[string]string
}

// sharedFields are fields one values field sets on every rendered object,
// whatever part of the values the object comes from.
var sharedFields = []struct {
	suffix string
	tokens []string
}{
	// Containers' imagePullPolicy, and image.pullPolicy in chart values.
	{"imagePullPolicy", []string{"global", "image", "pullPolicy"}},
	{".pullPolicy", []string{"global", "image", "pullPolicy"}},
}

// At is the values path of the object's field: the values field every
// object shares it with, else the longest prefix of field that Fields
// knows, else the object's own origin.
func (o Origin) At(field string) []string {
	for _, f := range sharedFields {
		if strings.HasSuffix(field, f.suffix) {
			return append([]string(nil), f.tokens...)
		}
	}
	best := ""
	for prefix := range o.Fields {
		if (field == prefix || strings.HasPrefix(field, prefix+".")) && len(prefix) > len(best) {
			best = prefix
		}
	}
	tokens := append([]string(nil), o.Tokens...)
	if best != "" {
		tokens = append(tokens, strings.Split(o.Fields[best], ".")...)
	}
	return tokens
}

// container0 is the path of the one container of the platform's
// Deployments, as the rules name it.
const container0 = "spec.template.spec.containers[0]"

// Origins are the origins of the objects the generators render from v (the
// charts' own objects excepted: see ChartOrigin).
func Origins(v *values.Values) map[ObjectKey]Origin {
	sessions := v.VDI.SessionNamespace
	out := map[ObjectKey]Origin{
		{"Deployment", v.VDI.Namespace, OperatorName}: {Tokens: []string{"vdi", "operator"}, Fields: map[string]string{
			container0 + ".image": "image", container0 + ".resources": "resources", "spec.replicas": "replicas"}},
		{"Deployment", v.VDI.Namespace, LoginName}: {Tokens: []string{"auth", "proxy"}, Fields: map[string]string{
			container0 + ".image": "image", container0 + ".resources": "resources", "spec.replicas": "replicas"}},
		{"ConfigMap", v.GPU.Operator.Namespace, v.GPU.TimeSlicing.ConfigMapName}: {Tokens: []string{"gpu", "timeSlicing"}},
		{"HelmChartConfig", k3s.Namespace, "traefik"}:                            {Tokens: []string{"ingress"}, Fields: map[string]string{"spec.valuesContent": "resources"}},
		// The operator's config is the values as a whole.
		{"ConfigMap", v.VDI.Namespace, OperatorConfigName}: {},
	}
	for i, t := range v.VDI.Templates {
		out[ObjectKey{"VDITemplate", sessions, t.Name}] = Origin{Tokens: []string{"vdi", "templates", strconv.Itoa(i)}, Fields: map[string]string{
			"spec.image": "image", "spec.resources": "resources", "spec.env": "env", "spec.storage": "storage",
			"spec.warmPool": "warmPool", "spec.nodeSelector": "nodePool", "spec.idleTimeout": "idleTimeout", "spec.maxSessionLength": "maxSessionLength"}}
	}
	for i, s := range v.VDI.Sessions {
		out[ObjectKey{"VDISession", sessions, s.Name}] = Origin{Tokens: []string{"vdi", "sessions", strconv.Itoa(i)}, Fields: map[string]string{
			"spec.user": "user", "spec.template": "template"}}
	}
	if v.VDI.Prepull.Enabled {
		// Each init container pulls a template's image.
		fields := map[string]string{"spec": "prepull"}
		for i, img := range prepullImages(v) {
			for j, t := range v.VDI.Templates {
				if t.Image == img {
					fields["spec.template.spec.initContainers["+strconv.Itoa(i)+"].image"] = "templates." + strconv.Itoa(j) + ".image"
					break
				}
			}
		}
		out[ObjectKey{"DaemonSet", sessions, prepullName}] = Origin{Tokens: []string{"vdi"}, Fields: fields}
	}
	for _, c := range SubCharts(v) {
		out[ObjectKey{"HelmChart", k3s.Namespace, c.Release}] = Origin{Tokens: []string{"charts", c.Key}, Fields: map[string]string{
			"spec.version": "version", "spec.repo": "repo", "spec.chart": "name"}}
	}
	if cm := v.Ingress.TLS.CertManager; cm != nil {
		for _, ns := range []string{v.Global.Namespace, v.VDI.Namespace} {
			out[ObjectKey{"Certificate", ns, v.Ingress.TLS.SecretName}] = Origin{Tokens: []string{"ingress", "tls", "certManager"}}
		}
	}
	return out
}

// ChartOrigin is the origin of the objects an inline sub-chart renders:
// the chart's entry under charts.
func ChartOrigin(v *values.Values, release string) (Origin, bool) {
	for _, c := range SubCharts(v) {
		if c.Release == release {
			return Origin{Tokens: []string{"charts", c.Key}}, true
		}
	}
	return Origin{}, false
}
