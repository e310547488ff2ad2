package values

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/platform"
)

// SystemNamespaces belong to Kubernetes itself: vdirender never relabels
// them nor lets the operator create pods there.
var SystemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// HTTPEntryPoints are the entrypoints K3s's Traefik serves HTTP, its
// dashboard, metrics and health checks on; TURN may not take any of them
// (nor one of ingress.entryPoints).
var HTTPEntryPoints = []string{"web", "websecure", "traefik", "metrics", "ping"}

// validate checks what the schema cannot: references between sections, GPU
// requests and the time-sliced capacity.
func (v *Values) validate(d Document) Errors {
	var errs Errors
	add := func(tokens []string, format string, args ...any) {
		errs = append(errs, d.errorAt(tokens, format, args...))
	}

	for key, c := range map[string]Chart{"kasm": v.Charts.Kasm, "postgresql": v.Charts.PostgreSQL, "redis": v.Charts.Redis, "coturn": v.Charts.Coturn, "gpuOperator": v.Charts.GPUOperator} {
		if c.Mode == ChartInline && (path.IsAbs(c.Archive) || slices.Contains(strings.Split(c.Archive, "/"), "..")) {
			add([]string{"charts", key, "archive"}, "archive %q must stay inside the package", c.Archive)
		}
	}
	errs = append(errs, v.checkQuantities(d)...)
	errs = append(errs, v.checkKasmChart(d)...)
	errs = append(errs, v.checkDurations(d)...)
	errs = append(errs, v.checkAuth(d)...)
	errs = append(errs, v.checkRuleContradictions(d)...)
	if v.Ingress.TLS.SecretName != "" && v.Ingress.TLS.CertResolver != "" && v.Ingress.TLS.CertManager == nil {
		add([]string{"ingress", "tls"}, "set secretName or certResolver, not both")
	}
	if v.Ingress.TLS.CertManager != nil && v.Ingress.TLS.CertResolver != "" {
		add([]string{"ingress", "tls", "certManager"}, "cert-manager and Traefik's certificate resolver %q would both issue the certificate: keep one", v.Ingress.TLS.CertResolver)
	}
	for _, ns := range []struct {
		tokens []string
		name   string
	}{{[]string{"global", "namespace"}, v.Global.Namespace}, {[]string{"vdi", "namespace"}, v.VDI.Namespace}, {[]string{"vdi", "sessionNamespace"}, v.VDI.SessionNamespace}} {
		if slices.Contains(SystemNamespaces, ns.name) {
			add(ns.tokens, "%s is a system namespace: vdirender labels its namespaces (Pod Security) and the operator creates pods in them; use a namespace of its own", ns.name)
		}
	}
	if ep := v.TURN.EntryPoint; slices.Contains(HTTPEntryPoints, ep) || slices.Contains(v.Ingress.EntryPoints, ep) {
		add([]string{"turn", "entryPoint"}, "entrypoint %q serves HTTP: making it TURN's UDP entrypoint would take it from Traefik's routes; use an entrypoint of its own such as turn", ep)
	}
	if v.TURN.MinPort > v.TURN.MaxPort {
		add([]string{"turn", "minPort"}, "relay range is empty: minPort %d is above maxPort %d", v.TURN.MinPort, v.TURN.MaxPort)
	}

	pools := map[string]bool{}
	for i, p := range v.GPU.NodePools {
		if pools[p.Name] {
			add([]string{"gpu", "nodePools", strconv.Itoa(i), "name"}, "node pool %q is defined twice", p.Name)
		}
		pools[p.Name] = true
	}

	templates := map[string]int{}
	if st := v.VDI.SessionDefaults.Storage; st.MaxSize != nil && st.Size != nil && st.MaxSize.Cmp(*st.Size) < 0 {
		add([]string{"vdi", "sessionDefaults", "storage", "maxSize"}, "maxSize %s is below size %s: sessions could not even have the default size", st.MaxSize, st.Size)
	}
	for i, t := range v.VDI.Templates {
		base := []string{"vdi", "templates", strconv.Itoa(i)}
		if _, dup := templates[t.Name]; dup {
			add(append(base, "name"), "template %q is defined twice", t.Name)
		}
		templates[t.Name] = i
		if t.NodePool != "" && !pools[t.NodePool] {
			add(append(base, "nodePool"), "node pool %q is not in gpu.nodePools", t.NodePool)
		}
		errs = append(errs, v.checkGPU(d, append(base, "resources"), *t.Resources)...)
		if st := t.Storage; st != nil && st.MaxSize != nil && st.Size != nil && st.MaxSize.Cmp(*st.Size) < 0 {
			add(append(slices.Clip(base), "storage", "maxSize"), "maxSize %s is below size %s: sessions could not even have the template's own size", st.MaxSize, st.Size)
		}
		errs = append(errs, checkWarmPool(d, append(slices.Clip(base), "warmPool"), t.WarmPool)...)
		for j, e := range t.Env {
			switch at := append(slices.Clip(base), "env", strconv.Itoa(j)); {
			case e.Value != nil && e.ValueFrom != nil:
				add(at, "env %s: set value or valueFrom, not both", e.Name)
			case e.Value == nil && e.ValueFrom == nil:
				add(at, "env %s: set value, or valueFrom.secretKeyRef for a password or token", e.Name)
			}
		}
	}

	sessions := map[string]bool{}
	for i, s := range v.VDI.Sessions {
		base := []string{"vdi", "sessions", strconv.Itoa(i)}
		if sessions[s.Name] {
			add(append(base, "name"), "session %q is defined twice", s.Name)
		}
		sessions[s.Name] = true
		if _, ok := templates[s.Template]; !ok {
			add(append(base, "template"), "template %q is not in vdi.templates", s.Template)
		}
	}
	if len(errs) == 0 {
		_, paths := v.demands()
		for _, c := range v.Capacity().Short() {
			add(paths[c.FirstUnfit], "%s", c.String())
		}
	}
	sortErrors(errs)
	return errs
}

// kasmLines are the chart versions each Kasm translation was written for:
// a version of another line may rename any key.
var kasmLines = map[string]string{KasmChart: "1.118", KasmSingleZoneChart: "1.16."}

// checkKasmChart refuses what the pinned Kasm chart cannot be given: a chart
// or version line without a translation, and for kasm-single-zone, which
// has no setting for an external database or Redis, no repository and a
// fixed database volume, the values that would go nowhere.
func (v *Values) checkKasmChart(d Document) Errors {
	var errs Errors
	add := func(tokens []string, format string, args ...any) {
		errs = append(errs, d.errorAt(tokens, format, args...))
	}
	c := v.Charts.Kasm
	line, ok := kasmLines[c.Name]
	if !ok {
		add([]string{"charts", "kasm", "name"}, "no translation for Kasm chart %q: use %q (Kasm 1.18) or %q (1.16)", c.Name, KasmChart, KasmSingleZoneChart)
		return errs
	}
	if !strings.HasPrefix(c.Version, line) {
		add([]string{"charts", "kasm", "version"}, "%s %s: vdirender translates values for %s %s* only", c.Name, c.Version, c.Name, line)
	}
	if c.Name != KasmSingleZoneChart {
		return errs
	}
	if c.Mode == ChartHelmChart && c.Repo == "" {
		add([]string{"charts", "kasm", "repo"}, "kasm-single-zone is published in no chart repository: set repo to the one that serves your package of it")
	}
	if *v.Postgres.Enabled {
		add([]string{"postgres", "enabled"}, "kasm-single-zone has no setting for an external database and runs its own: set postgres.enabled: false")
	}
	if *v.Redis.Enabled {
		add([]string{"redis", "enabled"}, "kasm-single-zone runs its own Redis (kasm-redis, sized by redis.resources): set redis.enabled: false")
	}
	if size := v.Postgres.Primary.Persistence.Size; size != nil && size.Cmp(resource.MustParse(KasmSingleZoneDBSize)) != 0 {
		add([]string{"postgres", "primary", "persistence", "size"}, "kasm-single-zone fixes its database volume at %s; %s cannot be given to it", KasmSingleZoneDBSize, size.String())
	}
	if *v.Global.Ingress.Enabled && v.Ingress.TLS.CertResolver != "" {
		add([]string{"global", "ingress", "enabled"}, "kasm-single-zone's own Ingress takes no annotations, so it cannot use certificate resolver %q: set global.ingress.enabled: false to route through the IngressRoute", v.Ingress.TLS.CertResolver)
	}
	return errs
}

// checkDurations refuses durations the schema's pattern lets in but that
// overflow time.Duration (about 292 years): parsed later, they would
// vanish and a session would never end.
func (v *Values) checkDurations(d Document) Errors {
	type field struct {
		path  []string
		value string
	}
	fields := []field{
		{[]string{"vdi", "sessionDefaults", "idleTimeout"}, v.VDI.SessionDefaults.IdleTimeout},
		{[]string{"vdi", "sessionDefaults", "maxSessionLength"}, v.VDI.SessionDefaults.MaxSessionLength},
		{[]string{"ingress", "websocketTimeout"}, v.Ingress.WebsocketTimeout},
		{[]string{"turn", "udpTimeout"}, v.TURN.UDPTimeout},
		{[]string{"vdi", "gateway", "resumeInterval"}, v.VDI.Gateway.ResumeInterval},
	}
	if o := v.Auth.OIDC; o != nil {
		fields = append(fields, field{[]string{"auth", "oidc", "cookieRefresh"}, o.CookieRefresh})
	}
	for i, t := range v.VDI.Templates {
		base := []string{"vdi", "templates", strconv.Itoa(i)}
		fields = append(fields,
			field{append(slices.Clip(base), "idleTimeout"), t.IdleTimeout},
			field{append(slices.Clip(base), "maxSessionLength"), t.MaxSessionLength})
	}
	var errs Errors
	seen := map[string]bool{}
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		if _, err := time.ParseDuration(f.value); err != nil {
			// A template's default comes from sessionDefaults: report it once.
			if seen[f.value] && len(f.path) == 4 {
				continue
			}
			seen[f.value] = true
			errs = append(errs, d.errorAt(f.path, "duration %q is too long: at most about 292 years (2562047h) can be stored", f.value))
		}
	}
	return errs
}

// checkGPU enforces what the API server and the device plugin would: a whole
// number of GPUs, requests equal to limits, and one slice per container when
// the plugin refuses larger requests.
func (v *Values) checkGPU(d Document, tokens []string, r corev1.ResourceRequirements) Errors {
	var errs Errors
	at := func(section string) []string {
		return append(append([]string{}, tokens...), section, string(platform.GPUResource))
	}
	lim, hasLim := r.Limits[platform.GPUResource]
	req, hasReq := r.Requests[platform.GPUResource]
	if hasLim && lim.MilliValue()%1000 != 0 {
		errs = append(errs, d.errorAt(at("limits"), "nvidia.com/gpu must be a whole number"))
	}
	if hasReq && req.MilliValue()%1000 != 0 && !(hasLim && req.Cmp(lim) == 0) {
		errs = append(errs, d.errorAt(at("requests"), "nvidia.com/gpu must be a whole number"))
	}
	if hasReq && !hasLim {
		errs = append(errs, d.errorAt(at("limits"), "nvidia.com/gpu needs a limit equal to its request"))
	}
	if hasReq && hasLim && req.Cmp(lim) != 0 {
		errs = append(errs, d.errorAt(at("requests"), "nvidia.com/gpu request %s must equal its limit %s", req.String(), lim.String()))
	}
	if hasLim && lim.Value() > 1 && *v.GPU.TimeSlicing.FailRequestsGreaterThanOne {
		errs = append(errs, d.errorAt(at("limits"), "asks for %s time-slices, but gpu.timeSlicing.failRequestsGreaterThanOne lets a container have only 1", lim.String()))
	}
	return errs
}

// GPUs is the number of GPU time-slices a template asks for.
func (t Template) GPUs() int64 {
	if t.Resources == nil {
		return 0
	}
	return platform.ContainerGPUs(*t.Resources)
}

func (p NodePool) String() string {
	return fmt.Sprintf("%s (%d nodes x %d GPUs x %d replicas)", p.Name, p.Nodes, p.GPUsPerNode, p.Replicas)
}

// exactVersion is one release: an exact semantic version, optionally with
// the leading v some chart repositories use. The values schema holds the
// same pattern for editors.
var exactVersion = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// IsExactVersion reports whether v pins one release.
func IsExactVersion(v string) bool { return exactVersion.MatchString(v) }

// maxQuantity is the largest quantity Kubernetes stores: its value in
// milli-units must fit in an int64.
var maxQuantity = resource.NewMilliQuantity(math.MaxInt64, resource.DecimalSI)

// checkQuantities refuses resource quantities the API server cannot hold.
func (v *Values) checkQuantities(d Document) Errors {
	var errs Errors
	check := func(tokens []string, r *corev1.ResourceRequirements) {
		if r == nil {
			return
		}
		for section, list := range map[string]corev1.ResourceList{"limits": r.Limits, "requests": r.Requests} {
			for name, q := range list {
				if q.Cmp(*maxQuantity) > 0 {
					errs = append(errs, d.errorAt(append(append([]string{}, tokens...), section, string(name)), "the quantity is larger than Kubernetes can store"))
				}
			}
		}
		// The API server refuses a container that requests more than its
		// limit; here it is the values' line, not a pod's event later.
		for name, req := range r.Requests {
			if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
				errs = append(errs, d.errorAt(append(append([]string{}, tokens...), "requests", string(name)),
					"request %s is above the limit %s: Kubernetes refuses such a container; lower the request or raise the limit", req.String(), lim.String()))
			}
		}
	}
	check([]string{"postgres", "primary", "resources"}, &v.Postgres.Primary.Resources)
	check([]string{"redis", "resources"}, &v.Redis.Resources)
	check([]string{"kasmManager", "resources"}, &v.KasmManager.Resources)
	check([]string{"kasmApi", "resources"}, &v.KasmAPI.Resources)
	check([]string{"ingress", "resources"}, &v.Ingress.Resources)
	check([]string{"vdi", "operator", "resources"}, &v.VDI.Operator.Resources)
	check([]string{"vdi", "sessionDefaults", "resources"}, &v.VDI.SessionDefaults.Resources)
	for i := range v.VDI.Templates {
		check([]string{"vdi", "templates", strconv.Itoa(i), "resources"}, v.VDI.Templates[i].Resources)
	}
	for kind, r := range v.ContainerDefaults {
		check([]string{"containerDefaults", kind}, &r)
	}
	check([]string{"auth", "proxy", "resources"}, &v.Auth.Proxy.Resources)
	return errs
}

// checkAuth refuses an issuer that tokens could be forged on the way from:
// plain http anywhere but loopback (the tests' provider).
func (v *Values) checkAuth(d Document) Errors {
	o := v.Auth.OIDC
	if o == nil {
		return nil
	}
	u, err := url.Parse(o.IssuerURL)
	switch {
	case err != nil || u.Host == "":
		return Errors{d.errorAt([]string{"auth", "oidc", "issuerURL"}, "issuer %q is not a URL", o.IssuerURL)}
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return Errors{d.errorAt([]string{"auth", "oidc", "issuerURL"}, "issuer %q must use https: logins and token keys must not travel in clear (http is only allowed on loopback, for tests)", o.IssuerURL)}
	case u.RawQuery != "" || u.Fragment != "":
		return Errors{d.errorAt([]string{"auth", "oidc", "issuerURL"}, "issuer %q must have no query or fragment", o.IssuerURL)}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkWarmPool refuses what the schema cannot: a time zone Go does not
// know, a window that ends before it starts, bounds that cross.
func checkWarmPool(d Document, at []string, w *v1alpha1.WarmPool) Errors {
	if w == nil {
		return nil
	}
	var errs Errors
	path := func(more ...string) []string { return append(slices.Clip(at), more...) }
	if _, err := time.LoadLocation(w.TimeZone); err != nil {
		errs = append(errs, d.errorAt(path("timeZone"), "time zone %q is not known: use an IANA name such as Europe/Berlin", w.TimeZone))
	}
	if w.Min != nil && w.Max != nil && *w.Min > *w.Max {
		errs = append(errs, d.errorAt(path("min"), "min %d is above max %d", *w.Min, *w.Max))
	}
	for i, win := range w.Schedule {
		if win.Start >= win.End {
			errs = append(errs, d.errorAt(path("schedule", strconv.Itoa(i), "end"), "the window ends (%s) before it starts (%s); a window does not cross midnight: split it in two", win.End, win.Start))
		}
	}
	return errs
}

// checkRuleContradictions refuses values that a rule in enforce mode would
// rewrite behind the user's back: a pull policy other than IfNotPresent, a
// storage class other than local-path. The error says how to keep the
// value (the rule in audit mode) or what the rule wants.
func (v *Values) checkRuleContradictions(d Document) Errors {
	var errs Errors
	if v.Rules.Mode("pullPolicy") == ModeEnforce && v.Global.Image.PullPolicy != corev1.PullIfNotPresent {
		errs = append(errs, d.errorAt([]string{"global", "image", "pullPolicy"},
			"%s contradicts the pullPolicy rule, which sets IfNotPresent everywhere: write IfNotPresent, or keep %s with the rule in audit mode (rules: {pullPolicy: audit})",
			v.Global.Image.PullPolicy, v.Global.Image.PullPolicy))
	}
	if v.Rules.Mode("storage") == ModeEnforce {
		for _, f := range []struct {
			path  []string
			class string
		}{
			{[]string{"global", "storageClass"}, v.Global.StorageClass},
			{[]string{"postgres", "primary", "persistence", "storageClass"}, v.Postgres.Primary.Persistence.StorageClass},
			{[]string{"redis", "persistence", "storageClass"}, v.Redis.Persistence.StorageClass},
		} {
			if f.class != platform.StorageClass && d.written(f.path) {
				errs = append(errs, d.errorAt(f.path,
					"%s contradicts the storage rule, which puts every volume on %s (K3s's local-path-provisioner): write %s, or keep %s with the rule in audit mode (rules: {storage: audit})",
					f.class, platform.StorageClass, platform.StorageClass, f.class))
			}
		}
	}
	return errs
}
