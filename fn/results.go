package fn

import (
	"bufio"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// writeResults writes results as the block sequence kyaml's yaml.Marshal
// writes for them, byte for byte, one result at a time: a rendering with
// every rule at work has several results per object, and one encoder over
// the whole list queues every event of the list before it is done. Results
// of the usual shape (string fields and values on one line) are written
// directly; any other goes through the encoder on its own.
func writeResults(w *bufio.Writer, results framework.Results) error {
	s := &scalars{}
	for _, r := range results {
		if !s.simple(r) {
			b, err := yaml.Marshal(framework.Results{r})
			if err != nil {
				return err
			}
			w.Write(b)
			continue
		}
		first := true
		field := func(indent, key, value string) {
			if value == "" {
				return
			}
			if first {
				w.WriteString("- ")
				first = false
			} else {
				w.WriteString(indent)
			}
			w.WriteString(key)
			w.WriteString(": ")
			w.WriteString(s.render(value))
			w.WriteByte('\n')
		}
		section := func(key string) {
			if first {
				w.WriteString("- ")
				first = false
			} else {
				w.WriteString("  ")
			}
			w.WriteString(key)
			w.WriteString(":\n")
		}
		field("  ", "message", r.Message)
		field("  ", "severity", string(r.Severity))
		if ref := r.ResourceRef; ref != nil {
			section("resourceRef")
			field("    ", "apiVersion", ref.APIVersion)
			field("    ", "kind", ref.Kind)
			field("    ", "name", ref.Name)
			field("    ", "namespace", ref.Namespace)
		}
		if f := r.Field; f != nil {
			section("field")
			field("    ", "path", f.Path)
			cur, _ := f.CurrentValue.(string)
			field("    ", "currentValue", cur)
			prop, _ := f.ProposedValue.(string)
			field("    ", "proposedValue", prop)
		}
		if f := r.File; f != nil {
			section("file")
			field("    ", "path", f.Path)
			if f.Index != 0 {
				w.WriteString("    index: ")
				w.WriteString(strconv.Itoa(f.Index))
				w.WriteByte('\n')
			}
		}
		if len(r.Tags) > 0 {
			section("tags")
			keys := make([]string, 0, len(r.Tags))
			for k := range r.Tags {
				keys = append(keys, k)
			}
			sortStrings(keys)
			for _, k := range keys {
				field("    ", s.render(k), r.Tags[k])
			}
		}
	}
	return nil
}

// sortStrings sorts a few keys; lettersOnly keys sort as the encoder sorts
// them.
func sortStrings(keys []string) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// scalars renders strings as the encoder renders a string mapping value,
// remembering what it had to ask the encoder.
type scalars struct {
	asked map[string]string
}

// simple tells a result writeResults can write itself: every string on one
// line and valid UTF-8, values that are strings, no empty sections, tag
// keys of letters only (the encoder sorts others its own way), and each
// string present where omitempty would keep it.
func (s *scalars) simple(r *framework.Result) bool {
	if r == nil || r.Message == "" && r.Severity == "" && r.ResourceRef == nil && r.Field == nil && r.File == nil && len(r.Tags) == 0 {
		return false
	}
	strs := []string{r.Message, string(r.Severity)}
	if ref := r.ResourceRef; ref != nil {
		if ref.APIVersion == "" && ref.Kind == "" && ref.Name == "" && ref.Namespace == "" {
			return false
		}
		strs = append(strs, ref.APIVersion, ref.Kind, ref.Name, ref.Namespace)
	}
	if f := r.Field; f != nil {
		for _, v := range []any{f.CurrentValue, f.ProposedValue} {
			if v == nil {
				continue
			}
			str, ok := v.(string)
			if !ok || str == "" {
				return false
			}
			strs = append(strs, str)
		}
		if f.Path == "" && f.CurrentValue == nil && f.ProposedValue == nil {
			return false
		}
		strs = append(strs, f.Path)
	}
	if f := r.File; f != nil {
		if f.Path == "" && f.Index == 0 {
			return false
		}
		strs = append(strs, f.Path)
	}
	for k, v := range r.Tags {
		if !lettersOnly(k) || v == "" {
			return false
		}
		strs = append(strs, v)
	}
	for _, str := range strs {
		if strings.ContainsAny(str, "\n\r\u0085\u2028\u2029") || !utf8.ValidString(str) {
			return false
		}
	}
	return true
}

func lettersOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// render is the text of a one-line string as a block mapping value.
func (s *scalars) render(v string) string {
	if plainSafe(v) {
		return v
	}
	if r, ok := s.asked[v]; ok {
		return r
	}
	b, err := yaml.Marshal(map[string]string{"k": v})
	r := strings.TrimSuffix(strings.TrimPrefix(string(b), "k: "), "\n")
	if err != nil || !strings.HasPrefix(string(b), "k: ") || strings.Contains(r, "\n") {
		// Not reached for one-line UTF-8 strings; keep the encoder's word.
		r = strconv.Quote(v)
	}
	if s.asked == nil {
		s.asked = map[string]string{}
	}
	s.asked[v] = r
	return r
}

// plainSafe tells strings the encoder always writes plain: a letter, then
// letters, digits and - . _ / [ ], and not a word YAML 1.1 or 1.2 reads as a
// boolean or null. TestPlainSafe holds it to the encoder.
func plainSafe(v string) bool {
	if v == "" {
		return false
	}
	if c := v[0]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
		return false
	}
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_', c == '/', c == '[', c == ']':
		default:
			return false
		}
	}
	if len(v) <= 5 {
		switch v {
		case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
			"on", "On", "ON", "off", "Off", "OFF",
			"true", "True", "TRUE", "false", "False", "FALSE",
			"null", "Null", "NULL":
			return false
		}
	}
	return true
}
