// Package diff compares two renderings object by object, the way a
// reviewer reads a pull request: which objects were added or removed, and
// for each changed object the field paths with old and new values. Secret
// values are never printed (data, stringData, any field but the type and
// metadata, and the last-applied copy), whether the Secret is an object of
// the rendering, an item of a List or held anywhere inside another object,
// nor the credentials of a URL.
package diff

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/ynode"
)

// ID names an object independent of its API version, so that a version
// bump reads as a change, not as a removal and an addition.
type ID struct {
	Group, Kind, Namespace, Name string
}

func (id ID) String() string {
	kind := id.Kind
	if id.Group != "" {
		kind += "." + id.Group
	}
	if id.Namespace != "" {
		return kind + " " + id.Namespace + "/" + id.Name
	}
	return kind + " " + id.Name
}

// Change is one field that differs.
type Change struct {
	Path     string
	Old, New string
}

// Object is the difference for one object.
type Object struct {
	ID      ID
	Added   bool
	Removed bool
	Changes []Change
}

// Result is every difference, in a stable order.
type Result struct {
	Objects []Object
}

// Empty reports whether the renderings are the same.
func (r Result) Empty() bool { return len(r.Objects) == 0 }

// Compare diffs old against new: the objects the cluster gets, so each
// List (any object with a top-level items sequence) is compared as its
// items, as build renders it; an item that is not an object is an error.
func Compare(oldItems, newItems []*yaml.RNode) (Result, error) {
	oldObjs, err := index(oldItems)
	if err != nil {
		return Result{}, err
	}
	newObjs, err := index(newItems)
	if err != nil {
		return Result{}, err
	}
	ids := map[ID]bool{}
	for id := range oldObjs {
		ids[id] = true
	}
	for id := range newObjs {
		ids[id] = true
	}
	sorted := make([]ID, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].String() < sorted[j].String() })
	var r Result
	for _, id := range sorted {
		o, inOld := oldObjs[id]
		n, inNew := newObjs[id]
		switch {
		case !inOld:
			r.Objects = append(r.Objects, Object{ID: id, Added: true})
		case !inNew:
			r.Objects = append(r.Objects, Object{ID: id, Removed: true})
		default:
			var changes []Change
			secret := id.Kind == "Secret" && id.Group == ""
			if secret {
				hideLastApplied(o, n)
			}
			walk("", "", o, n, secret, &changes)
			if len(changes) > 0 {
				r.Objects = append(r.Objects, Object{ID: id, Changes: changes})
			}
		}
	}
	return r, nil
}

func index(items []*yaml.RNode) (map[ID]map[string]any, error) {
	items, err := manifest.ExpandLists(items)
	if err != nil {
		return nil, err
	}
	out := map[ID]map[string]any{}
	for _, it := range items {
		m, err := ynode.Object([]byte(it.MustString()))
		if err != nil {
			return nil, err
		}
		id := idOf(it)
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("%s appears twice in one rendering", id)
		}
		out[id] = m
	}
	return out, nil
}

// idOf reads an object's identity from its YAML, as written: the decoded
// form reads YAML 1.1, where a namespace named n is false. The getters are
// ynode's, which, unlike kyaml's, take any shape.
func idOf(it *yaml.RNode) ID {
	return ID{Group: platform.Group(ynode.Scalar(it, "apiVersion")), Kind: ynode.Scalar(it, "kind"), Namespace: ynode.Scalar(it, "metadata", "namespace"), Name: ynode.Scalar(it, "metadata", "name")}
}

// secretPlain are the fields of a Secret that hold no secret value; every
// other field (data, stringData, whatever else) is redacted, whole or in
// part, whatever its keys look like.
var secretPlain = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "type": true, "immutable": true}

// lastApplied holds a copy of the whole object, Secret data included.
const lastApplied = "metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]"

// walk appends the changes from a to b under path. secret says whether
// they are inside a Secret, rel is then the path inside it.
func walk(path, rel string, a, b any, secret bool, out *[]Change) {
	if reflect.DeepEqual(a, b) {
		return
	}
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if !secret && (isSecret(am) || isSecret(bm)) {
		// A Secret inside another object (whatever did not expand as a
		// List): its values are hidden as those of a Secret object are.
		secret, rel = true, ""
		hideLastApplied(am, bm)
	}
	if secret && rel != "" && isSecretValue(rel) && !(aIsMap && bIsMap) {
		// Maps are walked so that the keys that changed show; nothing
		// else is shown, not even YAML inside a value.
		*out = append(*out, Change{Path: path, Old: redact(a), New: redact(b)})
		return
	}
	if aIsMap && bIsMap {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			walk(join(path, k), join(rel, k), am[k], bm[k], secret, out)
		}
		return
	}
	// YAML held in a string (chart values, config files in ConfigMaps) is
	// compared field by field too.
	if ay, by, ok := embeddedYAML(a, b); ok {
		walk(path+"(yaml)", rel+"(yaml)", ay, by, secret, out)
		return
	}
	al, aIsList := a.([]any)
	bl, bIsList := b.([]any)
	if aIsList && bIsList {
		if keyed, ok := byName(al, bl); ok {
			for _, k := range keyed.order {
				walk(path+"[name="+k+"]", rel+"[name="+k+"]", keyed.old[k], keyed.new[k], secret, out)
			}
			return
		}
		for i := 0; i < len(al) || i < len(bl); i++ {
			var x, y any
			if i < len(al) {
				x = al[i]
			}
			if i < len(bl) {
				y = bl[i]
			}
			walk(path+"["+strconv.Itoa(i)+"]", rel+"["+strconv.Itoa(i)+"]", x, y, secret, out)
		}
		return
	}
	*out = append(*out, Change{Path: redactURLs(path), Old: show(a), New: show(b)})
}

// embeddedYAML parses two multi-line strings that both hold YAML mappings.
func embeddedYAML(a, b any) (map[string]any, map[string]any, bool) {
	as, aok := a.(string)
	bs, bok := b.(string)
	if !aok || !bok || !strings.Contains(as, "\n") || !strings.Contains(bs, "\n") {
		return nil, nil, false
	}
	// The decoder reads one document: a change after a --- would go
	// unseen. Several documents compare as the strings they are.
	if severalDocuments(as) || severalDocuments(bs) {
		return nil, nil, false
	}
	var am, bm map[string]any
	if sigsyaml.Unmarshal([]byte(as), &am) != nil || sigsyaml.Unmarshal([]byte(bs), &bm) != nil || am == nil || bm == nil {
		return nil, nil, false
	}
	return am, bm, true
}

// severalDocuments tells YAML text with a document marker past its start.
func severalDocuments(s string) bool {
	rest := strings.TrimLeft(s, " \t\r\n")
	rest = strings.TrimPrefix(rest, "---")
	return strings.Contains(rest, "\n---")
}

// isSecret tells a decoded core Secret: kind Secret with no API group (an
// apiVersion that is not a string counts as none, to hide rather than show).
func isSecret(m map[string]any) bool {
	if m == nil || m["kind"] != "Secret" {
		return false
	}
	v, _ := m["apiVersion"].(string)
	return platform.Group(v) == ""
}

// isSecretValue tells the paths of a Secret whose values are never shown.
func isSecretValue(path string) bool {
	first := path
	if i := strings.IndexAny(path, ".[("); i >= 0 {
		first = path[:i]
	}
	return !secretPlain[first] || strings.HasPrefix(path, lastApplied)
}

// hideLastApplied replaces the copy of a Secret that kubectl keeps in an
// annotation, on both sides, keeping whether it changed.
func hideLastApplied(a, b map[string]any) {
	const key = "kubectl.kubernetes.io/last-applied-configuration"
	annotations := func(m map[string]any) map[string]any {
		md, _ := m["metadata"].(map[string]any)
		an, _ := md["annotations"].(map[string]any)
		return an
	}
	aa, ba := annotations(a), annotations(b)
	av, aok := aa[key]
	bv, bok := ba[key]
	if aok {
		aa[key] = "(redacted)"
	}
	if bok {
		ba[key] = "(redacted)"
		if aok && !reflect.DeepEqual(av, bv) {
			ba[key] = "(redacted, changed)"
		}
	}
}

// userinfo is the credentials part of a URL: scheme://user:password@.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@`)

// secretQuery is a query parameter of a URL that carries a credential.
var secretQuery = regexp.MustCompile(`(?i)([?&](?:access_token|token|password|passwd|secret|api_?key|key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#\s]*`)

// redactURLs hides the credentials of every URL in s: its user
// information and the query parameters that carry tokens or signatures.
func redactURLs(s string) string {
	s = userinfo.ReplaceAllString(s, "${1}(redacted)@")
	return secretQuery.ReplaceAllString(s, "${1}(redacted)")
}

type keyedLists struct {
	order    []string
	old, new map[string]any
}

// byName matches list items by their name field when every item has one
// (containers, ports, env), so that an insertion reads as one change.
func byName(a, b []any) (keyedLists, bool) {
	k := keyedLists{old: map[string]any{}, new: map[string]any{}}
	seen := map[string]bool{}
	for _, side := range []struct {
		list []any
		into map[string]any
	}{{a, k.old}, {b, k.new}} {
		for _, item := range side.list {
			m, ok := item.(map[string]any)
			if !ok {
				return k, false
			}
			name, ok := m["name"].(string)
			if !ok {
				return k, false
			}
			if _, dup := side.into[name]; dup {
				return k, false
			}
			side.into[name] = item
			if !seen[name] {
				seen[name] = true
				k.order = append(k.order, name)
			}
		}
	}
	return k, len(k.order) > 0
}

func join(path, key string) string {
	if strings.ContainsAny(key, ".[]") {
		key = "[" + key + "]"
		return path + key
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, _ := sigsyaml.Marshal(hideSecrets(v))
	return redactURLs(strings.TrimSpace(string(b)))
}

// hideSecrets copies v, shown whole, with the values of every Secret in it
// redacted (those that are not its type or metadata, and the last-applied
// copy in its metadata).
func hideSecrets(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = hideSecrets(x)
		}
		if !isSecret(v) {
			return out
		}
		for k, x := range out {
			if !secretPlain[k] && x != nil {
				out[k] = "(redacted)"
			}
		}
		if md, ok := out["metadata"].(map[string]any); ok {
			hideLastApplied(map[string]any{"metadata": md}, nil)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = hideSecrets(x)
		}
		return out
	}
	return v
}

func redact(v any) string {
	if v == nil {
		return "(none)"
	}
	return "(redacted)"
}

// String renders the result for people: + added, - removed, ~ changed with
// one line per field.
func (r Result) String() string {
	var b strings.Builder
	for _, o := range r.Objects {
		switch {
		case o.Added:
			fmt.Fprintf(&b, "+ %s\n", o.ID)
		case o.Removed:
			fmt.Fprintf(&b, "- %s\n", o.ID)
		default:
			fmt.Fprintf(&b, "~ %s\n", o.ID)
			for _, c := range o.Changes {
				if strings.Contains(c.Old, "\n") || strings.Contains(c.New, "\n") {
					fmt.Fprintf(&b, "    %s:\n      - %s\n      + %s\n", c.Path, indent(c.Old), indent(c.New))
					continue
				}
				fmt.Fprintf(&b, "    %s: %s -> %s\n", c.Path, c.Old, c.New)
			}
		}
	}
	return b.String()
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n        ") }
