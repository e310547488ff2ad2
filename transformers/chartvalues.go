package transformers

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/apis/k3s"
)

func isHelmChart(obj *yaml.RNode) bool {
	return obj.GetApiVersion() == k3s.APIVersion && (obj.GetKind() == "HelmChart" || obj.GetKind() == "HelmChartConfig")
}

// chartValueFindings looks through the values a K3s HelmChart hands to its
// chart for scalars under any of keys whose value is not want. Charts name
// these settings differently, but always with one of a few key names, so the
// rule reaches sub-charts it has never seen. Each fix rewrites valuesContent.
func chartValueFindings(obj *yaml.RNode, keys map[string]bool, want, message string) ([]Finding, error) {
	if !isHelmChart(obj) {
		return nil, nil
	}
	spec := obj.Field("spec")
	if spec == nil {
		return nil, nil
	}
	content := stringField(spec.Value, "valuesContent")
	if content == "" {
		return nil, nil
	}
	doc, err := yaml.Parse(content)
	if err != nil {
		// Not ours to judge here: helm-controller reports unparsable values.
		return nil, nil
	}
	var out []Finding
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := path + "." + k.Value
				if keys[k.Value] && v.Kind == yaml.ScalarNode {
					if v.Value != want {
						node := v
						out = append(out, Finding{
							Path: p, Current: v.Value, Proposed: want, Message: message,
							Fix: func() error {
								node.Value, node.Tag, node.Style = want, yaml.NodeTagString, 0
								return spec.Value.PipeE(yaml.SetField("valuesContent", yaml.NewStringRNode(doc.MustString())))
							},
						})
					}
					continue
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	walk(doc.YNode(), "spec.valuesContent")
	return out, nil
}
