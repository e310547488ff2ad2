package generators_test

import (
	"strconv"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/values"
)

// chartValues decodes the valuesContent of a rendered HelmChart or
// HelmChartConfig.
func chartValues(t *testing.T, obj string) map[string]any {
	t.Helper()
	var hc struct {
		Spec struct {
			ValuesContent string `json:"valuesContent"`
		} `json:"spec"`
	}
	if err := sigsyaml.Unmarshal([]byte(obj), &hc); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := sigsyaml.Unmarshal([]byte(hc.Spec.ValuesContent), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// at follows a dotted path through decoded values.
func at(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

type route struct {
	Match    string `json:"match"`
	Services []struct {
		Name string `json:"name"`
		Port int    `json:"port"`
	} `json:"services"`
}

func kasmRoutes(t *testing.T, objs map[string]string) []route {
	t.Helper()
	var ir struct {
		Spec struct {
			Routes []route `json:"routes"`
			TLS    map[string]string
		} `json:"spec"`
	}
	if err := sigsyaml.Unmarshal([]byte(objs["IngressRoute/kasm"]), &ir); err != nil {
		t.Fatal(err)
	}
	return ir.Spec.Routes
}

const singleZone = `charts:
  kasm: {name: kasm-single-zone, repo: "https://charts.example.com/kasm/"}
`

// TestKasm118 checks the translation for the kasm 1.18 chart: the route to
// the proxy Service its Ingress uses, and a certificate Secret for the proxy
// in every TLS mode.
func TestKasm118(t *testing.T) {
	secret := platform(t, base+"ingress: {tls: {secretName: kasm-tls}}\n")
	v := chartValues(t, secret["HelmChart/kasm"])
	if got := at(v, "certificate.secretName"); got != "kasm-tls" {
		t.Errorf("certificate.secretName %v, want the route's TLS Secret", got)
	}
	routes := kasmRoutes(t, secret)
	if len(routes) != 1 || routes[0].Services[0].Name != "kasm-proxy-default" || routes[0].Services[0].Port != 8080 || routes[0].Match != "Host(`kasm.example.com`)" {
		t.Errorf("routes %+v, want everything to kasm-proxy-default:8080", routes)
	}
	for _, src := range []string{base, base + "ingress: {tls: {certResolver: le}}\n"} {
		v := chartValues(t, platform(t, src)["HelmChart/kasm"])
		if got := at(v, "certificate.secretName"); got != generators.KasmProxyCertSecret {
			t.Errorf("certificate.secretName %v, want %s", got, generators.KasmProxyCertSecret)
		}
	}

	// The chart's own Ingress with a certificate resolver: Traefik's
	// annotations, no tls section carrying the proxy's certificate.
	on := chartValues(t, platform(t, strings.Replace(base, "ingress: {enabled: false}", "ingress: {enabled: true}", 1)+"ingress: {tls: {certResolver: le}, entryPoints: [websecure, web]}\n")["HelmChart/kasm"])
	ann, _ := at(on, "ingress.annotations").(map[string]any)
	if at(on, "ingress.tls") != false || ann["traefik.ingress.kubernetes.io/router.tls.certresolver"] != "le" ||
		ann["traefik.ingress.kubernetes.io/router.entrypoints"] != "websecure,web" || at(on, "ingress.ingressClassName") != "traefik" {
		t.Errorf("ingress values %v", at(on, "ingress"))
	}
	off := chartValues(t, platform(t, base)["HelmChart/kasm"])
	if ing, _ := at(off, "ingress").(map[string]any); len(ing) != 1 {
		t.Errorf("with the chart's Ingress off only ingress.enabled is sent, got %v", ing)
	}
}

// TestKasmSingleZone checks the translation for kasm-single-zone 1.16: the
// keys it reads, the replicas its schema requires, its own database and
// Redis, and routes to the Services its templates create.
func TestKasmSingleZone(t *testing.T) {
	objs := platform(t, base+singleZone+"ingress: {tls: {secretName: kasm-tls}}\n")
	hc := objs["HelmChart/kasm"]
	if !strings.Contains(hc, "chart: kasm-single-zone") || !strings.Contains(hc, "version: 1.16.0") || !strings.Contains(hc, "repo: https://charts.example.com/kasm/") {
		t.Errorf("HelmChart:\n%s", hc)
	}
	v := chartValues(t, hc)
	for path, want := range map[string]any{
		"global.hostname":         "kasm.example.com",
		"global.image.pullPolicy": "IfNotPresent",
		"kasmApp.servicesToDeploy.kasmManager.resources.limits.cpu": "900m",
		"kasmApp.servicesToDeploy.kasmApi.resources.limits.cpu":     "400m",
		"kasmApp.servicesToDeploy.db.storageClassName":              "local-path",
		"kasmApp.servicesToDeploy.db.resources.limits.cpu":          "500m",
		"kasmApp.servicesToDeploy.kasmRedis.resources.limits.cpu":   "200m",
		"kasmApp.servicesToDeploy.kasmGuac.resources.limits.cpu":    "500m",
		"kasmCerts.ingress.name":                                    "kasm-tls",
		"kasmCerts.ingress.create":                                  false,
	} {
		if got := at(v, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	for _, s := range []string{"kasmProxy", "kasmApi", "kasmManager", "kasmGuac", "rdpGateway", "rdpHttpsGateway", "kasmShare"} {
		if got := at(v, "kasmApp.servicesToDeploy."+s+".replicas"); got != float64(1) {
			t.Errorf("%s.replicas = %v", s, got)
		}
	}
	for _, gone := range []string{"HelmChart/postgresql", "HelmChart/redis"} {
		if _, ok := objs[gone]; ok {
			t.Errorf("%s rendered beside kasm-single-zone, which runs its own", gone)
		}
	}
	want := map[string]string{"/api/share/": "kasm-share:8182", "/api/": "kasm-api:8080", "": "kasm-proxy:8080"}
	for _, r := range kasmRoutes(t, objs) {
		prefix := ""
		if i := strings.Index(r.Match, "PathPrefix(`"); i >= 0 {
			prefix = strings.TrimSuffix(r.Match[i+len("PathPrefix(`"):], "`)")
		}
		got := r.Services[0].Name + ":" + strconv.Itoa(r.Services[0].Port)
		if want[prefix] != got {
			t.Errorf("route %q to %s, want %s", r.Match, got, want[prefix])
		}
		delete(want, prefix)
	}
	if len(want) > 0 {
		t.Errorf("routes missing: %v", want)
	}
	// Without a TLS Secret the chart makes its own certificates.
	if _, ok := chartValues(t, platform(t, base+singleZone)["HelmChart/kasm"])["kasmCerts"]; ok {
		t.Error("kasmCerts sent without a TLS Secret")
	}
}

// TestKasmChartRefusals checks what the values loader refuses for a Kasm
// chart: one without a translation, and what kasm-single-zone cannot take.
func TestKasmChartRefusals(t *testing.T) {
	for _, tt := range []struct{ name, extra, want string }{
		{"unknown chart", "charts:\n  kasm: {name: kasm-agent}\n", `no translation for Kasm chart "kasm-agent"`},
		{"other line", "charts:\n  kasm: {version: 1.1200.0}\n", "translates values for kasm 1.118* only"},
		{"single zone 1.17", "charts:\n  kasm: {name: kasm-single-zone, version: 1.17.0, repo: 'https://c.example/'}\n", "kasm-single-zone 1.16.* only"},
		{"single zone without repo", "charts:\n  kasm: {name: kasm-single-zone}\n", "published in no chart repository"},
		{"single zone with postgres", singleZone + "postgres: {enabled: true}\n", "set postgres.enabled: false"},
		{"single zone with redis", singleZone + "redis: {enabled: true}\n", "set redis.enabled: false"},
		{"single zone database size", singleZone + "postgres: {primary: {persistence: {size: 20Gi}}}\n", "fixes its database volume at 8Gi"},
		{"single zone ingress and resolver", strings.Replace(base, "ingress: {enabled: false}", "ingress: {enabled: true}", 1) + singleZone + "ingress: {tls: {certResolver: le}}\n", "cannot use certificate resolver"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.extra
			if !strings.Contains(src, "hostname:") {
				src = base + src
			}
			_, err := values.LoadFile("values.yaml", []byte(mergeDocs(src)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// mergeDocs folds top-level keys given twice (base plus an extra postgres:
// section) into one mapping, as a values file must.
func mergeDocs(src string) string {
	var m map[string]any
	dec := map[string]any{}
	for _, part := range splitTop(src) {
		if err := sigsyaml.Unmarshal([]byte(part), &m); err != nil {
			panic(err)
		}
		for k, v := range m {
			if old, ok := dec[k].(map[string]any); ok {
				if nv, ok := v.(map[string]any); ok {
					dec[k] = deepMerge(old, nv)
					continue
				}
			}
			dec[k] = v
		}
	}
	out, err := sigsyaml.Marshal(dec)
	if err != nil {
		panic(err)
	}
	return string(out)
}

func splitTop(src string) []string {
	var parts []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(src, "\n") {
		if line != "" && line[0] != ' ' && line[0] != '\n' && cur.Len() > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
		}
		cur.WriteString(line)
	}
	return append(parts, cur.String())
}

func deepMerge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if am, ok := out[k].(map[string]any); ok {
			if bm, ok := v.(map[string]any); ok {
				out[k] = deepMerge(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// TestChartFindings checks the values that fix what the real charts
// rendered wrong: coturn's Service and init image and every auth key,
// the device plugin's version, node-feature-discovery's CPU limits and the
// operands' resources, Traefik's resources, and PostgreSQL without keys
// nothing reads.
func TestChartFindings(t *testing.T) {
	objs := platform(t, base)
	coturn := chartValues(t, objs["HelmChart/coturn"])
	for path, want := range map[string]any{
		"service.type":                            "ClusterIP",
		"service.externalTrafficPolicy":           "",
		"coturn.initContainer.image.repository":   "mikefarah/yq",
		"coturn.auth.existingSecret":              "coturn-auth",
		"coturn.auth.secretKeys.username":         generators.TURNUsernameKey,
		"coturn.auth.secretKeys.password":         generators.TURNPasswordKey,
		"coturn.auth.secretKeys.staticAuthSecret": generators.TURNSecretKey,
	} {
		if got := at(coturn, path); got != want {
			t.Errorf("coturn %s = %#v, want %#v", path, got, want)
		}
	}
	if tag, _ := at(coturn, "coturn.initContainer.image.tag").(string); tag == "" || tag == "latest" {
		t.Errorf("coturn init image tag %q", tag)
	}

	gpu := chartValues(t, objs["HelmChart/gpu-operator"])
	for _, op := range []string{"devicePlugin", "gfd"} {
		if got := at(gpu, op+".version"); got != generators.DevicePluginVersion {
			t.Errorf("%s.version %v", op, got)
		}
	}
	for _, op := range []string{"validator", "toolkit", "devicePlugin", "gfd", "dcgmExporter", "migManager"} {
		for _, q := range []string{"requests.cpu", "requests.memory", "limits.cpu", "limits.memory"} {
			if at(gpu, op+".resources."+q) == nil {
				t.Errorf("gpu-operator %s.resources.%s missing", op, q)
			}
		}
	}
	for _, c := range []string{"master", "worker", "gc"} {
		if at(gpu, "node-feature-discovery."+c+".resources.limits.cpu") == nil {
			t.Errorf("node-feature-discovery %s has no CPU limit", c)
		}
	}
	if at(gpu, "devicePlugin.config.create") != nil {
		t.Error("devicePlugin.config.create is sent; the chart's default is false and the key changes nothing")
	}

	traefik := chartValues(t, objs["HelmChartConfig/traefik"])
	if at(traefik, "resources.limits.cpu") != "1" || at(traefik, "resources.requests.memory") != "128Mi" {
		t.Errorf("Traefik resources %v", at(traefik, "resources"))
	}
	custom := chartValues(t, platform(t, base+"ingress: {resources: {limits: {cpu: '2'}}}\n")["HelmChartConfig/traefik"])
	if at(custom, "resources.limits.cpu") != "2" || at(custom, "resources.limits.memory") != "512Mi" {
		t.Errorf("ingress.resources not honoured: %v", at(custom, "resources"))
	}

	pg := chartValues(t, objs["HelmChart/postgresql"])
	if _, ok := pg["global"]; ok {
		t.Errorf("PostgreSQL 15.3.1 reads no global key but got %v", pg["global"])
	}
	if at(chartValues(t, objs["HelmChart/redis"]), "global.defaultStorageClass") != nil {
		t.Error("redis gets global.defaultStorageClass, which master.persistence.storageClass overrides")
	}
}
