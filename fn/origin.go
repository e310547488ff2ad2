package fn

import (
	"maps"
	"path"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// pointAtValues makes each finding on an object vdirender generated point
// at the values that made it: the file the user wrote, the line of the
// field to change and its path (said in the message, which kpt shows too).
// The generated file it names otherwise exists nowhere under build, and is
// not where a fix belongs under kpt.
func pointAtValues(results framework.Results, v *values.Values, generated []*yaml.RNode) {
	if v.Source == nil {
		return
	}
	// Most renderings have no finding on a generated object: the origins
	// are looked up only for the objects findings name.
	named := map[objectID]bool{}
	for _, r := range results {
		if ref := r.ResourceRef; ref != nil {
			named[objectID{platform.Group(ref.APIVersion), ref.Kind, ref.Namespace, ref.Name}] = true
		}
	}
	var origins map[generators.ObjectKey]generators.Origin
	byID := map[objectID]generators.Origin{}
	for _, it := range generated {
		id := idOf(it)
		if !named[id] {
			continue
		}
		if origins == nil {
			origins = generators.Origins(v)
		}
		if o, ok := origins[generators.ObjectKey{Kind: id.kind, Namespace: id.ns, Name: id.name}]; ok {
			byID[id] = o
			continue
		}
		// An inline chart's object: vdirender/charts/<release>/...
		p, _, _ := kioutil.GetFileAnnotations(it)
		if rest, ok := strings.CutPrefix(p, path.Join(manifest.Dir, "charts")+"/"); ok {
			release, _, _ := strings.Cut(rest, "/")
			if o, ok := generators.ChartOrigin(v, release); ok {
				byID[id] = o
			}
		}
	}
	for _, r := range results {
		ref := r.ResourceRef
		if ref == nil {
			continue
		}
		o, ok := byID[objectID{platform.Group(ref.APIVersion), ref.Kind, ref.Namespace, ref.Name}]
		if !ok {
			continue
		}
		field := ""
		if r.Field != nil {
			field = r.Field.Path
		}
		file, line, at := v.Source.Locate(o.At(field))
		r.File = &framework.File{Path: file}
		if line > 0 {
			// A rule's results on one object share their tags.
			r.Tags = maps.Clone(r.Tags)
			if r.Tags == nil {
				r.Tags = map[string]string{}
			}
			r.Tags["line"] = strconv.Itoa(line)
		}
		if at != "" {
			r.Message += "; it comes from " + at + " in the values"
		} else {
			r.Message += "; it comes from the values"
		}
	}
}
