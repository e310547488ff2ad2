package cluster

import (
	"fmt"
	"sort"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"
)

// TraefikValues is what the twin honours of a HelmChartConfig's
// valuesContent for K3s's Traefik chart: extra or changed entrypoints and
// additional arguments. Anything else (resources, service, ...) concerns
// the pod and Service the chart would make, which the twin does not run.
type TraefikValues struct {
	Ports               map[string]TraefikPort `json:"ports"`
	AdditionalArguments []string               `json:"additionalArguments"`
}

// TraefikPort is one entry of the chart's ports.
type TraefikPort struct {
	// Protocol is TCP (the default) or UDP.
	Protocol  string            `json:"protocol"`
	Transport *TraefikTransport `json:"transport"`
}

// TraefikTransport is an entrypoint's transport settings.
type TraefikTransport struct {
	RespondingTimeouts struct {
		ReadTimeout  string `json:"readTimeout"`
		WriteTimeout string `json:"writeTimeout"`
		IdleTimeout  string `json:"idleTimeout"`
	} `json:"respondingTimeouts"`
}

// k3sEntryPoints are the entrypoints K3s's Traefik chart (39.0.7) always
// defines, all TCP: metrics, the API/ping one, web and websecure.
var k3sEntryPoints = []string{"metrics", "traefik", "web", "websecure"}

// TraefikArgs translates valuesContent (YAML; "" for none) into Traefik's
// command line: the static arguments K3s's chart passes, each entrypoint
// (K3s's and the values' new ones) bound where listen says (listen gets the
// entrypoint's name and "tcp" or "udp" and returns host:port), the values'
// responding timeouts, and their additionalArguments verbatim except that
// an entrypoint address in them is rewritten through listen too. It returns
// the arguments and each entrypoint's address.
func TraefikArgs(valuesContent string, listen func(entryPoint, protocol string) string) ([]string, map[string]string, error) {
	var v TraefikValues
	if err := sigsyaml.Unmarshal([]byte(valuesContent), &v); err != nil {
		return nil, nil, fmt.Errorf("traefik valuesContent: %w", err)
	}
	addrs := map[string]string{}
	protocols := map[string]string{}
	for _, ep := range k3sEntryPoints {
		protocols[ep] = "tcp"
	}
	names := make([]string, 0, len(v.Ports))
	for name := range v.Ports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := strings.ToLower(v.Ports[name].Protocol)
		switch p {
		case "":
			p = "tcp"
		case "tcp", "udp":
		default:
			return nil, nil, fmt.Errorf("traefik port %s: protocol %q is neither TCP nor UDP", name, v.Ports[name].Protocol)
		}
		if old, ok := protocols[name]; ok && v.Ports[name].Protocol != "" && old != p {
			return nil, nil, fmt.Errorf("traefik port %s: K3s defines it as %s, values make it %s", name, old, p)
		}
		protocols[name] = p
	}
	all := make([]string, 0, len(protocols))
	for name := range protocols {
		all = append(all, name)
	}
	sort.Strings(all)

	args := []string{
		"--global.checkNewVersion=false",
		"--global.sendAnonymousUsage=false",
		"--api.dashboard=false",
	}
	for _, name := range all {
		addrs[name] = listen(name, protocols[name])
		args = append(args, fmt.Sprintf("--entryPoints.%s.address=%s/%s", name, addrs[name], protocols[name]))
	}
	args = append(args,
		"--ping=true",
		"--metrics.prometheus=true",
		"--metrics.prometheus.entrypoint=metrics",
		"--providers.kubernetescrd",
		"--providers.kubernetescrd.allowEmptyServices=true",
		"--providers.kubernetesingress",
		"--providers.kubernetesingress.allowEmptyServices=true",
		"--providers.kubernetesingress.ingressendpoint.publishedservice=kube-system/traefik",
		"--entryPoints.websecure.http.tls=true",
	)
	for _, name := range names {
		t := v.Ports[name].Transport
		if t == nil {
			continue
		}
		for _, kv := range [][2]string{
			{"readTimeout", t.RespondingTimeouts.ReadTimeout},
			{"writeTimeout", t.RespondingTimeouts.WriteTimeout},
			{"idleTimeout", t.RespondingTimeouts.IdleTimeout},
		} {
			if kv[1] != "" {
				args = append(args, fmt.Sprintf("--entryPoints.%s.transport.respondingTimeouts.%s=%s", name, kv[0], kv[1]))
			}
		}
	}
	for _, a := range v.AdditionalArguments {
		args = append(args, rewriteAddress(a, addrs, protocols, listen))
	}
	return args, addrs, nil
}

// rewriteAddress replaces the value of --entryPoints.<name>.address with
// the twin's address of that entrypoint (a new one for an entrypoint only
// the argument defines); other arguments are unchanged.
func rewriteAddress(arg string, addrs, protocols map[string]string, listen func(string, string) string) string {
	key, value, ok := strings.Cut(arg, "=")
	if !ok {
		return arg
	}
	parts := strings.Split(strings.TrimLeft(key, "-"), ".")
	if len(parts) != 3 || !strings.EqualFold(parts[0], "entryPoints") || !strings.EqualFold(parts[2], "address") {
		return arg
	}
	if _, ok := addrs[parts[1]]; !ok {
		protocols[parts[1]] = "tcp"
		if strings.HasSuffix(strings.ToLower(value), "/udp") {
			protocols[parts[1]] = "udp"
		}
		addrs[parts[1]] = listen(parts[1], protocols[parts[1]])
	}
	addr := addrs[parts[1]]
	return fmt.Sprintf("%s=%s/%s", key, addr, protocols[parts[1]])
}
