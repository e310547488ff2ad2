package platform

import (
	"fmt"
	"slices"
	"strings"
)

// Expectations are what a rendering needs on the cluster and does not
// create. build lists them for people; verify looks each up.
type Expectations struct {
	Secrets []SecretNeed
	// Pools are the GPU node pools and the nodes the values count in each.
	Pools []PoolNeed
	// Issuer is the cert-manager issuer the Certificates name, if any.
	Issuer *IssuerNeed
	// Notes are expectations nothing can check before the platform runs
	// (a certificate resolver, the host's driver) or that the platform
	// itself makes at install (Kasm's admin password): they say where to look.
	Notes []Prerequisite
}

// PoolNeed is a GPU node pool: nodes join it by PoolLabel.
type PoolNeed struct {
	Name  string
	Nodes int
	// Templates are the VDITemplates whose desktops run on the pool.
	Templates []string
}

// LabelRequired says whether nodes must carry the pool's label. GPU nodes
// without it get the default config, but a template's desktops select
// their pool by the label, the default pool's too.
func (p PoolNeed) LabelRequired() bool { return p.Name != DefaultPool || len(p.Templates) > 0 }

// Label is the node label that joins a node to the pool.
func (p PoolNeed) Label() string { return PoolLabel + "=" + p.Name }

// IssuerNeed is the cert-manager Issuer or ClusterIssuer of the platform's
// Certificates; an Issuer must exist in each of Namespaces.
type IssuerNeed struct {
	Kind, Name string
	Namespaces []string
}

func (i IssuerNeed) String() string {
	if i.Kind == "Issuer" {
		return fmt.Sprintf("cert-manager Issuer %s in namespace(s) %s", i.Name, strings.Join(i.Namespaces, ", "))
	}
	return "cert-manager " + i.Kind + " " + i.Name
}

// Prerequisite is one thing a rendering expects, for people: what, why,
// and how to make it or see it.
type Prerequisite struct{ What, Why, How string }

// List is every expectation, for people, in a stable order: Secrets,
// node labels, the issuer, then the notes.
func (e Expectations) List() []Prerequisite {
	var out []Prerequisite
	var namespaces []string
	for _, s := range e.Secrets {
		if !slices.Contains(namespaces, s.Namespace) {
			namespaces = append(namespaces, s.Namespace)
		}
	}
	if e.Issuer != nil {
		for _, ns := range e.Issuer.Namespaces {
			if !slices.Contains(namespaces, ns) {
				namespaces = append(namespaces, ns)
			}
		}
	}
	if len(namespaces) > 0 {
		var create []string
		for _, ns := range namespaces {
			create = append(create, "kubectl create namespace "+ns)
		}
		out = append(out, Prerequisite{
			What: "namespace(s) " + strings.Join(namespaces, ", ") + ", before what goes in them below",
			Why:  "the rendering creates them, but the Secrets (and Issuers) must be in them before the pods that read them start (apply takes the namespaces over)",
			How:  strings.Join(create, "; "),
		})
	}
	for _, s := range e.Secrets {
		out = append(out, Prerequisite{What: s.Describe(), Why: "read by " + s.ReadBy, How: s.Command()})
	}
	for _, p := range e.Pools {
		why := "gpu-operator gives these nodes the time-slicing config " + p.Name
		if len(p.Templates) > 0 {
			why = fmt.Sprintf("template(s) %s run their desktops on pool %s; %s", strings.Join(p.Templates, ", "), p.Name, why)
		}
		if !p.LabelRequired() {
			out = append(out, Prerequisite{
				What: fmt.Sprintf("%d GPU node(s) in pool %s", p.Nodes, p.Name),
				Why:  "GPU nodes without the label " + PoolLabel + " get the default time-slicing config",
				How:  "no label needed; kubectl get nodes -o 'custom-columns=NAME:.metadata.name,GPU:.status.allocatable.nvidia\\.com/gpu' lists what each node advertises",
			})
			continue
		}
		out = append(out, Prerequisite{
			What: fmt.Sprintf("%d GPU node(s) labelled %s", p.Nodes, p.Label()),
			Why:  why,
			How:  "kubectl label node NODE " + p.Label(),
		})
	}
	if i := e.Issuer; i != nil {
		out = append(out, Prerequisite{
			What: i.String(),
			Why:  "the rendered Certificates name it; cert-manager (its CRDs and controller) must be installed",
			How:  "install cert-manager (https://cert-manager.io/docs/installation/), create the " + i.Kind + " (an ACME issuer, or your CA); kubectl get " + strings.ToLower(i.Kind) + "s.cert-manager.io -A lists them",
		})
	}
	out = append(out, e.Notes...)
	return out
}

// Describe names the Secret with its type and keys.
func (s SecretNeed) Describe() string {
	typ := ""
	if s.Type != "" {
		typ = " of type " + s.Type
	}
	return fmt.Sprintf("%s%s, key(s) %s", s, typ, strings.Join(s.Keys, ", "))
}

// Command is a kubectl command that creates the Secret, with placeholders
// for the values (which vdirender never sees).
func (s SecretNeed) Command() string {
	if s.Type == "kubernetes.io/tls" {
		create := fmt.Sprintf("kubectl -n %s create secret tls %s --cert=tls.crt --key=tls.key", s.Namespace, s.Name)
		if s.SelfSigned != "" {
			return fmt.Sprintf(`openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=%[1]s" -addext "subjectAltName=DNS:%[1]s" -keyout tls.key -out tls.crt && %[2]s`, s.SelfSigned, create)
		}
		return create
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kubectl -n %s create secret generic %s", s.Namespace, s.Name)
	for _, k := range s.Keys {
		value := `"$` + ShellVar(k) + `"`
		switch {
		case s.Generate[k] != "":
			value = `"$(` + s.Generate[k] + `)"`
		case s.Literal[k] != "":
			value = s.Literal[k]
		}
		fmt.Fprintf(&b, " --from-literal=%s=%s", k, value)
	}
	return b.String()
}

// ShellVar is the shell variable a key's value is read from: client-secret
// is CLIENT_SECRET.
func ShellVar(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, key)
}
