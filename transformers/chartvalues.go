package transformers

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/input"
)

func isHelmChart(obj *yaml.RNode) bool {
	return obj.GetApiVersion() == k3s.APIVersion && (obj.GetKind() == "HelmChart" || obj.GetKind() == "HelmChartConfig")
}

// chartValueFindings looks through the values a K3s HelmChart (or
// HelmChartConfig) hands to its chart for scalars under any of keys whose
// value is not want: spec.valuesContent, spec.values (structured, over
// valuesContent) and spec.set (each entry a --set, over both). Charts name
// these settings differently, but always with one of a few key names, so
// the rule reaches sub-charts it has never seen. Values the rule cannot
// read where helm-controller reads them (spec.valuesSecrets, read from
// Secrets at install) are findings without a fix.
func chartValueFindings(obj *yaml.RNode, keys map[string]bool, want, message string) ([]Finding, error) {
	if !isHelmChart(obj) {
		return nil, nil
	}
	spec := obj.Field("spec")
	if spec == nil {
		return nil, nil
	}
	out := setFindings(spec.Value, keys, want, message)
	if secrets := spec.Value.Field("valuesSecrets"); secrets != nil && !yaml.IsYNodeNilOrEmpty(secrets.Value.YNode()) {
		out = append(out, Finding{Path: "spec.valuesSecrets",
			Message: fmt.Sprintf("values read from Secrets at install are out of the rules' sight, so it cannot be checked that %s: put these values in valuesContent or values (keep only credentials in Secrets the chart reads itself)", message)})
	}
	if values := spec.Value.Field("values"); values != nil {
		// Structured values are nodes of the object itself: a fix sets
		// the node.
		walkValues(values.Value.YNode(), "spec.values", keys, want, message, nil, &out)
	}
	content := stringField(spec.Value, "valuesContent")
	if content == "" {
		return out, nil
	}
	doc, err := yaml.Parse(content)
	if err != nil {
		// Not ours to judge here: helm-controller reports unparsable values.
		return out, nil
	}
	if line, what := hidden(doc.YNode()); line > 0 {
		// An alias (or a merge key) can carry a value the walk below would
		// not see where Helm reads it, and a tag beyond the core ones is
		// decoded differently by Helm: refused, never guessed.
		return append(out, Finding{Path: "spec.valuesContent",
			Message: fmt.Sprintf("valuesContent uses %s (line %d of the values), so it cannot be checked that %s: write the values out plainly", what, line, message)}), nil
	}
	if dup := input.DuplicateKey(doc.YNode()); dup != nil {
		// Helm keeps the last silently; which one was meant is the
		// author's to say, not the rule's to guess.
		return append(out, Finding{Path: "spec.valuesContent",
			Message: fmt.Sprintf("valuesContent gives %s twice (lines %d and %d of the values) and Helm would keep the last silently, so it cannot be checked that %s: keep one", dup.Path, dup.First, dup.Line, message)}), nil
	}
	// Values inside a string: a fix rewrites the whole string.
	rewrite := func() error {
		return spec.Value.PipeE(yaml.SetField("valuesContent", yaml.NewStringRNode(doc.MustString())))
	}
	walkValues(doc.YNode(), "spec.valuesContent", keys, want, message, rewrite, &out)
	return out, nil
}

// walkValues adds a finding for each scalar under one of keys in n whose
// value is not want. Each fix sets the scalar, then runs after (if any).
func walkValues(n *yaml.Node, path string, keys map[string]bool, want, message string, after func() error, out *[]Finding) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := path + "." + k.Value
			if keys[k.Value] && v.Kind == yaml.ScalarNode {
				if v.Value != want {
					node := v
					*out = append(*out, Finding{
						Path: p, Current: v.Value, Proposed: want, Message: message,
						Fix: func() error {
							node.Value, node.Tag, node.Style = want, yaml.NodeTagString, 0
							if after != nil {
								return after()
							}
							return nil
						},
					})
				}
				continue
			}
			walkValues(v, p, keys, want, message, after, out)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkValues(c, path+"["+strconv.Itoa(i)+"]", keys, want, message, after, out)
		}
	}
}

// hidden finds the first alias or non-core explicit tag in n: its line
// and what it is, or 0.
func hidden(n *yaml.Node) (int, string) {
	if n.Kind == yaml.AliasNode {
		return max(n.Line, 1), "a YAML alias"
	}
	if n.Style&yaml.TaggedStyle != 0 && !input.CoreTag(n.Tag) {
		return max(n.Line, 1), "the YAML tag " + n.Tag
	}
	for _, c := range n.Content {
		if l, what := hidden(c); l > 0 {
			return l, what
		}
	}
	return 0, ""
}

// setFindings checks spec.set of a HelmChart: helm-controller passes each
// entry as --set, over valuesContent and values, so a key ending in one of keys
// (persistence.storageClass, global.imagePullPolicy, ...) is the same
// setting. The fix sets the entry to want.
func setFindings(spec *yaml.RNode, keys map[string]bool, want, message string) []Finding {
	set := spec.Field("set")
	if set == nil || set.Value.YNode().Kind != yaml.MappingNode {
		return nil
	}
	var out []Finding
	content := set.Value.YNode().Content
	for i := 0; i+1 < len(content); i += 2 {
		k, v := content[i], content[i+1]
		if strings.ContainsAny(k.Value, ",=") {
			// helm-controller writes --set KEY=VALUE escaping the value's
			// commas only: a key holding , or = sets values of its own.
			out = append(out, Finding{Path: "spec.set." + k.Value,
				Message: fmt.Sprintf("a set key holding a comma or '=' is passed to helm unescaped and sets other values, so it cannot be checked that %s: give each value its own key", message)})
			continue
		}
		if !keys[lastSetSegment(k.Value)] || v.Kind != yaml.ScalarNode || v.Value == want {
			continue
		}
		node := v
		out = append(out, Finding{Path: "spec.set." + k.Value, Current: v.Value, Proposed: want, Message: message,
			Fix: func() error {
				node.Value, node.Tag, node.Style = want, yaml.NodeTagString, 0
				return nil
			}})
	}
	return out
}

// lastSetSegment is the last key of a --set path: a.b\.c[0].d gives d; an
// escaped dot belongs to the key.
func lastSetSegment(path string) string {
	last := 0
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '\\':
			i++
		case '.':
			last = i + 1
		}
	}
	seg := strings.ReplaceAll(path[last:], "\\.", ".")
	if j := strings.IndexByte(seg, '['); j >= 0 {
		seg = seg[:j]
	}
	return seg
}
