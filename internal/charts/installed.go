package charts

import (
	"sort"
	"strings"
	"text/template"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/engine"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Rendering as installed. In helmchart mode K3s's helm-controller runs
// `helm install` (then `helm upgrade`) in the cluster, so what reaches the
// cluster is the chart's CRDs, its manifests and its hooks, with passwords,
// keys and certificates generated there. The view of it is for review and
// for the rules in audit, never for applying, so it differs from the real
// thing in what must not be shown or would change per run:
//
//   - every template function that generates (rand*, uuidv4, now, the
//     certificate and key functions, bcrypt, htpasswd, encryptAES) returns a
//     fixed placeholder, so the view is the same bytes every time;
//   - a Secret's values are emptied and the Secret annotated, so no secret
//     material appears, whatever the chart writes into it;
//   - hooks are kept, each with its helm.sh/hook annotation, in the order
//     `helm install` creates them (pre-* hooks, the manifests, then the
//     rest); only test hooks are left out: helm-controller never runs
//     `helm test`.

// RedactedAnnotation marks a Secret whose values the view leaves out.
const RedactedAnnotation = "vdirender.dev/redacted"

// generatedPlaceholder stands for anything generated at install time.
const generatedPlaceholder = "GENERATED-IN-CLUSTER"

// placeholderCert has the fields templates read from sprig's certificates.
type placeholderCert struct{ Cert, Key string }

func installedFuncs() template.FuncMap {
	funcs := passes[0].funcMap()
	cert := placeholderCert{
		Cert: "-----BEGIN CERTIFICATE-----\n" + generatedPlaceholder + "\n-----END CERTIFICATE-----\n",
		Key:  "-----BEGIN RSA PRIVATE KEY-----\n" + generatedPlaceholder + "\n-----END RSA PRIVATE KEY-----\n",
	}
	generators := template.FuncMap{
		"genPrivateKey":            func(string) string { return cert.Key },
		"genCA":                    func(string, int) (placeholderCert, error) { return cert, nil },
		"genCAWithKey":             func(string, int, string) (placeholderCert, error) { return cert, nil },
		"genSelfSignedCert":        func(string, any, any, int) (placeholderCert, error) { return cert, nil },
		"genSelfSignedCertWithKey": func(string, any, any, int, string) (placeholderCert, error) { return cert, nil },
		"genSignedCert":            func(string, any, any, int, any) (placeholderCert, error) { return cert, nil },
		"genSignedCertWithKey":     func(string, any, any, int, any, string) (placeholderCert, error) { return cert, nil },
		"bcrypt":                   func(string) string { return generatedPlaceholder },
		"htpasswd":                 func(user, _ string) string { return user + ":" + generatedPlaceholder },
		"encryptAES":               func(string, string) (string, error) { return generatedPlaceholder, nil },
	}
	for name, f := range generators {
		funcs[name] = f
	}
	return funcs
}

// renderInstalled renders once with the placeholder functions and keeps the
// hooks the cluster will see.
func renderInstalled(c *chart.Chart, vals chartcommon.Values, opts Options) (*Rendering, error) {
	p, err := renderWith(c, vals, engine.Engine{CustomTemplateFuncs: installedFuncs()})
	if err != nil {
		return nil, err
	}
	var before, after []releaseutil.Manifest
	var dropped []*hook
	for _, h := range p.hooks {
		switch {
		case h.testOnly():
			dropped = append(dropped, h)
		case h.runsBefore():
			before = append(before, releaseutil.Manifest{Name: h.Path, Content: h.manifest})
		default:
			after = append(after, releaseutil.Manifest{Name: h.Path, Content: h.manifest})
		}
	}
	manifests := append(append(before, p.manifests...), after...)
	objects, err := assemble(c, opts.Namespace, manifests, func(_ string, it *yaml.RNode) error { return redactSecret(it) })
	if err != nil {
		return nil, err
	}
	return &Rendering{Objects: objects, Dropped: droppedHooks(dropped)}, nil
}

func (h *hook) testOnly() bool {
	for _, e := range h.events {
		if e != releasev1.HookTest {
			return false
		}
	}
	return true
}

// runsBefore: a hook Helm runs before the manifests of some operation.
func (h *hook) runsBefore() bool {
	for _, e := range h.events {
		if strings.HasPrefix(e.String(), "pre-") {
			return true
		}
	}
	return false
}

// redactSecret empties the values of a Secret and says so on it.
func redactSecret(n *yaml.RNode) error {
	if n.GetKind() != "Secret" || n.GetApiVersion() != "v1" {
		return nil
	}
	var keys []string
	for _, field := range []string{"data", "stringData"} {
		m := n.Field(field)
		if m == nil || m.Value.YNode().Kind != yaml.MappingNode {
			continue
		}
		c := m.Value.YNode().Content
		for i := 0; i+1 < len(c); i += 2 {
			keys = append(keys, field+"."+c[i].Value)
			c[i+1] = yaml.NewStringRNode("").YNode()
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	a := n.GetAnnotations()
	a[RedactedAnnotation] = "values of " + strings.Join(keys, ", ") + " are generated or written by the chart at install and not shown"
	return n.SetAnnotations(a)
}
