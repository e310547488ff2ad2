package generators

import (
	"fmt"

	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// Kasm's chart makes its logins at install: these users, with passwords it
// generates into the Secret <release>-secrets (kept across upgrades).
const (
	KasmAdminUser        = "admin@kasm.local"
	KasmSecrets          = kasmRelease + "-secrets"
	KasmAdminPasswordKey = "admin-password"
)

// Expectations are what the rendering of v needs on the cluster and does
// not create: the Secrets people create, the node labels that join nodes
// to the GPU pools, cert-manager's issuer, and notes on what nothing can
// check beforehand.
func Expectations(v *values.Values) platform.Expectations {
	e := platform.Expectations{Secrets: UserSecrets(v)}
	for _, p := range v.GPU.NodePools {
		need := platform.PoolNeed{Name: p.Name, Nodes: p.Nodes}
		for _, t := range v.VDI.Templates {
			if t.NodePool == p.Name {
				need.Templates = append(need.Templates, t.Name)
			}
		}
		e.Pools = append(e.Pools, need)
	}
	tls := v.Ingress.TLS
	hosts := fmt.Sprintf("%s and %s", v.Global.Hostname, v.Ingress.SessionHost)
	switch {
	case tls.CertManager != nil:
		need := &platform.IssuerNeed{Kind: tls.CertManager.IssuerKind, Name: tls.CertManager.Issuer}
		if need.Kind == values.IssuerKind {
			need.Namespaces = []string{v.Global.Namespace}
			if v.VDI.Namespace != v.Global.Namespace {
				need.Namespaces = append(need.Namespaces, v.VDI.Namespace)
			}
		}
		e.Issuer = need
	case tls.CertResolver != "":
		e.Notes = append(e.Notes, platform.Prerequisite{
			What: "Traefik certificate resolver " + tls.CertResolver,
			Why:  "Traefik obtains the certificates of " + hosts + " through it; vdirender names it and does not define it",
			How:  fmt.Sprintf("define it in Traefik's static configuration (on K3s, --certificatesresolvers.%s.acme.* in the additionalArguments of HelmChartConfig kube-system/traefik)", tls.CertResolver),
		})
	case tls.SecretName == "":
		e.Notes = append(e.Notes, platform.Prerequisite{
			What: "a certificate for " + hosts,
			Why:  "no ingress.tls is set, so Traefik serves its default self-signed certificate, which browsers warn about",
			How:  "set ingress.tls.secretName (your Secret), ingress.tls.certResolver (a Traefik ACME resolver) or ingress.tls.certManager.issuer (cert-manager)",
		})
	}
	if !*v.GPU.Operator.Driver {
		e.Notes = append(e.Notes, platform.Prerequisite{
			What: "the NVIDIA driver on every GPU node's host",
			Why:  "gpu.operator.driver is false: gpu-operator installs the container toolkit and the device plugin, not the driver",
			How:  "nvidia-smi on each GPU node",
		})
	}
	if v.GPU.Operator.Mode == values.OperatorExisting {
		e.Notes = append(e.Notes, platform.Prerequisite{
			What: "gpu-operator, already installed in namespace " + v.GPU.Operator.Namespace,
			Why:  "gpu.operator.mode is existing: the rendering patches its ClusterPolicy to read the time-slicing config and installs nothing",
			How:  "kubectl get clusterpolicies.nvidia.com",
		})
	}
	e.Notes = append(e.Notes, platform.Prerequisite{
		What: "Kasm's admin login " + KasmAdminUser,
		Why:  fmt.Sprintf("Kasm's chart generates its password at install, into Secret %s/%s (key %s), and keeps it on upgrades", v.Global.Namespace, KasmSecrets, KasmAdminPasswordKey),
		How:  fmt.Sprintf("kubectl -n %s get secret %s -o jsonpath='{.data.%s}' | base64 -d", v.Global.Namespace, KasmSecrets, KasmAdminPasswordKey),
	})
	return e
}
