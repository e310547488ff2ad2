package fn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/input"
)

// DefaultMaxInput bounds a ResourceList read from stdin.
const DefaultMaxInput = input.MaxStreamBytes

// Execute reads a ResourceList, runs p and writes the ResourceList back,
// always (so that orchestrators can show the results), returning p's
// error. It does what kyaml's framework.Execute does, but writes each item
// on its own: one encoder over the whole list grows its buffer by copying
// and makes large packages super-linear.
func Execute(p framework.ResourceListProcessor, in io.Reader, out io.Writer, maxInput int64) error {
	warm()
	data, err := input.ReadStreamBytes(in, "stdin", maxInput)
	if err != nil {
		var ie *input.Error
		switch {
		case errors.Is(err, input.ErrTooLarge):
			return fmt.Errorf("input is larger than %d bytes (see --max-input-size)", maxInput)
		case errors.As(err, &ie) && ie.Cause != nil:
			return fmt.Errorf("reading the ResourceList: %w", ie.Cause)
		}
		return err
	}
	items, functionConfig, err := readResourceList(data)
	if err != nil {
		return err
	}
	rl := &framework.ResourceList{Items: items, FunctionConfig: functionConfig}
	perr := p.Process(rl)
	if perr != nil {
		// A failed run returns its input as it came, whatever the rules
		// had changed before the failure was known.
		if rl.Items, rl.FunctionConfig, err = readResourceList(data); err != nil {
			return err
		}
	}
	if err := write(out, rl); err != nil {
		return err
	}
	return perr
}

// write encodes a ResourceList item by item.
func write(out io.Writer, rl *framework.ResourceList) error {
	w := bufio.NewWriterSize(out, 1<<20)
	w.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if len(rl.Items) == 0 {
		w.WriteString("items: []\n")
	} else {
		w.WriteString("items:\n")
	}
	var buf bytes.Buffer
	for _, it := range rl.Items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return err
		}
		wide := it.GetAnnotations()[kioutil.SeqIndentAnnotation] == string(yaml.WideSequenceStyle)
		if err := encode(&buf, it.YNode(), wide); err != nil {
			return err
		}
		writeIndented(w, "- ", buf.Bytes())
	}
	if rl.FunctionConfig != nil && !rl.FunctionConfig.IsNilOrEmpty() {
		w.WriteString("functionConfig:\n")
		if err := encode(&buf, rl.FunctionConfig.YNode(), false); err != nil {
			return err
		}
		writeIndented(w, "  ", buf.Bytes())
	}
	if len(rl.Results) > 0 {
		w.WriteString("results:\n")
		if err := writeResults(w, rl.Results); err != nil {
			return err
		}
	}
	return w.Flush()
}

// encode writes one node as a YAML document body into buf.
func encode(buf *bytes.Buffer, n *yaml.Node, wide bool) error {
	buf.Reset()
	enc := yaml.NewEncoder(buf)
	if wide {
		enc.DefaultSeqIndent()
	}
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}

// writeIndented writes a document as one element of a block sequence (or a
// mapping value): the first line after first, the others indented by two.
func writeIndented(w *bufio.Writer, first string, doc []byte) {
	text := strings.TrimSuffix(string(doc), "\n")
	for i, line := range strings.Split(text, "\n") {
		switch {
		case i == 0:
			w.WriteString(first)
		case line == "":
			w.WriteByte('\n')
			continue
		default:
			w.WriteString("  ")
		}
		w.WriteString(line)
		w.WriteByte('\n')
	}
}
