package operator

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/transformers"
)

// PlatformPod builds the pod of session s from template tpl under the
// platform's rules, as the renderer would: the rules first run over the
// template exactly as over a rendered VDITemplate (so what it lacks comes
// from the session defaults, and its fixes are the renderer's), then over
// the pod made from it (the GPU capacity of its node pool). Each rule acts
// in its mode: enforce fixes, audit only warns, off skips. A violation that
// cannot be fixed in enforce mode refuses the pod, with every such finding
// in the error. The results of both runs are returned.
func PlatformPod(tpl *v1alpha1.VDITemplate, s *v1alpha1.VDISession, env *transformers.Env) (*corev1.Pod, framework.Results, error) {
	t := tpl.DeepCopyObject().(*v1alpha1.VDITemplate)
	// Objects read through a typed client carry no TypeMeta; the rules need it.
	t.APIVersion, t.Kind = v1alpha1.APIVersion, v1alpha1.TemplateKind
	t.ManagedFields = nil
	fixed := &v1alpha1.VDITemplate{}
	results, err := runRules(t, fixed, env)
	if err != nil {
		return nil, results, err
	}
	pod := &corev1.Pod{}
	podResults, err := runRules(session.Pod(fixed, s), pod, env)
	results = append(results, podResults...)
	return pod, results, err
}

// runRules runs the rules over obj and decodes what they made of it into
// out. The object travels as JSON both ways, the encoding its types are
// made for; the rules see it as a node, like any rendered object.
func runRules(obj, out any, env *transformers.Env) (framework.Results, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	n, err := yaml.ConvertJSONToYamlNode(string(data))
	if err != nil {
		return nil, err
	}
	results, err := transformers.Run([]*yaml.RNode{n}, env, false)
	if err != nil {
		return nil, err
	}
	var refused []string
	for _, res := range results {
		if res.Severity == framework.Error {
			refused = append(refused, describe(res))
		}
	}
	if len(refused) > 0 {
		return results, fmt.Errorf("the session breaks the platform rules: %s", strings.Join(refused, "; "))
	}
	if data, err = n.MarshalJSON(); err != nil {
		return results, err
	}
	return results, json.Unmarshal(data, out)
}

// describe says which rule a result comes from, and where.
func describe(res *framework.Result) string {
	var b strings.Builder
	if rule := res.Tags["rule"]; rule != "" {
		b.WriteString("rule " + rule + ": ")
	}
	if res.ResourceRef != nil {
		b.WriteString(res.ResourceRef.Kind)
		if res.Field != nil && res.Field.Path != "" {
			b.WriteString(" " + res.Field.Path)
		}
		b.WriteString(": ")
	}
	b.WriteString(res.Message)
	return b.String()
}
