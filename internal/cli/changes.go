package cli

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/vdirender/vdirender/internal/platform"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// maxNamed is how many objects a change line names before "and N more".
const maxNamed = 3

// printChanges tells, one line per rule and new value, what the rules in
// enforce mode changed in the rendering: kpt shows these as results without
// their old values, and build would otherwise change things silently.
//
//	pullPolicy: imagePullPolicy set to IfNotPresent in 14 place(s) (was Always: Deployment apps/web, ...)
func printChanges(w io.Writer, results framework.Results) {
	type change struct {
		rule, field, proposed string
		n                     int
		was                   map[string][]string // old value -> objects
	}
	byKey := map[string]*change{}
	var keys []string
	for _, r := range results {
		if r.Severity != framework.Info || r.Tags["rule"] == "" || r.Field == nil || r.Field.ProposedValue == nil {
			continue
		}
		proposed := fmt.Sprint(r.Field.ProposedValue)
		field := leaf(r.Field.Path)
		key := r.Tags["rule"] + "\x00" + field + "\x00" + proposed
		c := byKey[key]
		if c == nil {
			c = &change{rule: r.Tags["rule"], field: field, proposed: proposed, was: map[string][]string{}}
			byKey[key] = c
			keys = append(keys, key)
		}
		c.n++
		was := "unset"
		if r.Field.CurrentValue != nil && fmt.Sprint(r.Field.CurrentValue) != "" {
			was = fmt.Sprint(r.Field.CurrentValue)
		}
		obj := ""
		if ref := r.ResourceRef; ref != nil {
			obj = ref.Kind + " " + ref.Name
			if ref.Namespace != "" {
				obj = ref.Kind + " " + ref.Namespace + "/" + ref.Name
			}
		}
		if !slices.Contains(c.was[was], obj) {
			c.was[was] = append(c.was[was], obj)
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "the rules changed the rendering (--quiet hides this; rules: {<rule>: audit} keeps what was written):")
	for _, k := range keys {
		c := byKey[k]
		var was []string
		olds := make([]string, 0, len(c.was))
		for old := range c.was {
			olds = append(olds, old)
		}
		sort.Strings(olds)
		for _, old := range olds {
			objs := c.was[old]
			sort.Strings(objs)
			named := strings.Join(objs[:min(len(objs), maxNamed)], ", ")
			if len(objs) > maxNamed {
				named += fmt.Sprintf(" and %d more", len(objs)-maxNamed)
			}
			was = append(was, "was "+old+": "+named)
		}
		fmt.Fprintf(w, "  %s: %s set to %s in %d place(s) (%s)\n", c.rule, c.field, c.proposed, c.n, strings.Join(was, "; "))
	}
}

// leaf is the part of a field path that says what was set: after the
// container ("resources.requests.cpu", "imagePullPolicy"), else its last
// element ("runtimeClassName").
func leaf(path string) string {
	if i := strings.LastIndex(path, "]."); i >= 0 {
		return path[i+2:]
	}
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[i+1:]
	}
	return path
}

// printPrerequisites lists what the rendering expects on the cluster and
// does not create, each with why and how to make or find it.
func printPrerequisites(w io.Writer, e platform.Expectations) {
	list := e.List()
	if len(list) == 0 {
		return
	}
	fmt.Fprintln(w, "the cluster must hold what the rendering does not create (vdirender verify checks the Secrets, node labels and issuer; --quiet hides this):")
	for _, p := range list {
		fmt.Fprintf(w, "  %s: %s\n      %s\n", p.What, p.Why, p.How)
	}
}
