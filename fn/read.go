package fn

import (
	"bytes"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/input"
)

// errNotResourceList is what stdin that is not a ResourceList gets.
var errNotResourceList = fmt.Errorf("stdin is not a ResourceList (config.kubernetes.io/v1): to render a package or a values file, run `vdirender build DIR|FILE`")

// readResourceList checks and reads a ResourceList, parsing it once: the
// input gate's checks (input.Parse), the test that it is a ResourceList and
// the items and functionConfig all come from the same nodes. It returns what
// kio.ByteReader with PreserveSeqIndent would; input it cannot vouch for
// that way (several documents, document separators, CRLF line ends, an
// unusual head) is read as before, by kio.ByteReader after the checks.
func readResourceList(data []byte) (items []*yaml.RNode, functionConfig *yaml.RNode, err error) {
	docs, err := input.Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the ResourceList: %w", err)
	}
	rl, ok := plainResourceList(data, docs)
	if !ok {
		return readResourceListBytes(data)
	}
	// What kio.ByteReader does to the list it unwraps (it sets its reader
	// annotations on it, and refuses metadata it cannot set them on); the
	// list itself is dropped, so only its errors matter.
	n := yaml.NewRNode(rl)
	if err := kioutil.CopyLegacyAnnotations(n); err != nil {
		return nil, nil, fmt.Errorf("reading the ResourceList: %w", err)
	}
	for _, k := range []string{kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation, kioutil.SeqIndentAnnotation} {
		if err := n.PipeE(yaml.SetAnnotation(k, "0")); err != nil {
			return nil, nil, fmt.Errorf("reading the ResourceList: %w", err)
		}
	}
	if _, err := n.GetMeta(); err != nil && err != yaml.ErrMissingMetadata {
		return nil, nil, fmt.Errorf("reading the ResourceList: [0]: %w", err)
	}
	if fc := n.Field("functionConfig"); fc != nil {
		functionConfig = fc.Value
	}
	if f := n.Field("items"); f != nil {
		for _, c := range f.Value.Content() {
			items = append(items, yaml.NewRNode(c))
		}
	}
	return items, functionConfig, nil
}

// readResourceListBytes is the reading of checked input that
// readResourceList does not take on itself.
func readResourceListBytes(data []byte) ([]*yaml.RNode, *yaml.RNode, error) {
	var head struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil || head.Kind != "ResourceList" || !strings.HasPrefix(head.APIVersion, "config.kubernetes.io/") {
		return nil, nil, errNotResourceList
	}
	reader := &kio.ByteReader{Reader: bytes.NewReader(data), PreserveSeqIndent: true}
	items, err := reader.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the ResourceList: %w", err)
	}
	// kio.ByteReader takes the keys and values of an items mapping for
	// items; only objects are.
	for i, it := range items {
		if it.YNode().Kind != yaml.MappingNode {
			return nil, nil, fmt.Errorf("reading the ResourceList: items must be a list of objects; item %d is not an object", i)
		}
	}
	return items, reader.FunctionConfig, nil
}

// plainResourceList returns the mapping of a ResourceList that is the one
// document of data, when the head test and kio.ByteReader would read it
// straight from the parsed nodes: no CRLF line ends and no document
// separator (ByteReader splits the text on them), a head of unique plain
// string keys without merge keys (what decoding it into a struct would
// read differently), and items or a functionConfig (otherwise ByteReader
// keeps the list itself as an item).
func plainResourceList(data []byte, docs []*yaml.Node) (*yaml.Node, bool) {
	if len(docs) != 1 || bytes.IndexByte(data, '\r') >= 0 || bytes.Contains(data, []byte("\n---")) {
		return nil, false
	}
	doc := docs[0]
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	m := doc.Content[0]
	var apiVersion, kind string
	seen := map[string]bool{}
	lists := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != yaml.NodeTagString || k.Value == "<<" || seen[k.Value] {
			return nil, false
		}
		seen[k.Value] = true
		switch k.Value {
		case "apiVersion", "kind":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != yaml.NodeTagString {
				return nil, false
			}
			if k.Value == "kind" {
				kind = v.Value
			} else {
				apiVersion = v.Value
			}
		case "items":
			// Items that are not a sequence of mappings are kio.ByteReader's
			// to refuse; read as they are, a mapping's keys and values would
			// become items.
			if v.Kind != yaml.SequenceNode {
				return nil, false
			}
			for _, it := range v.Content {
				if it.Kind != yaml.MappingNode {
					return nil, false
				}
			}
			lists = true
		case "functionConfig":
			lists = true
		}
	}
	if kind != "ResourceList" || !strings.HasPrefix(apiVersion, "config.kubernetes.io/") || !lists {
		return nil, false
	}
	return m, true
}
