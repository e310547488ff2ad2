package values

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/schemas"
)

// schemaField is one field of the Go types with its property in the schema.
type schemaField struct {
	// path names the field for people: vdi.templates[].name.
	path string
	// tokens is where the field sits in a values document, with index 0 for
	// a list and a workload kind for containerDefaults.
	tokens []string
	// typ is the field's Go type, pointers removed.
	typ reflect.Type
	// node is the property as written where it is used; resolved is node
	// with its $refs followed.
	node, resolved map[string]any
	required       bool
	// optional: a pointer or a list in Go, absent unless written.
	optional bool
	// leaf: a scalar, a list of scalars, a quantity or a resource list,
	// or containerDefaults, which Default() fills as a whole.
	leaf bool
}

var (
	resourcesType    = reflect.TypeOf(corev1.ResourceRequirements{})
	resourceListType = reflect.TypeOf(corev1.ResourceList{})
	quantityType     = reflect.TypeOf(resource.Quantity{})
)

// mapKind is the key of containerDefaults the walk and the examples use.
const mapKind = "Deployment"

func loadSchemaJSON(t *testing.T) map[string]any {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(schemas.Values, &root); err != nil {
		t.Fatal(err)
	}
	return root
}

// schemaFields walks the Values type and the schema together, reports
// every field that is in one and not the other, and returns the fields.
func schemaFields(t *testing.T) []schemaField {
	t.Helper()
	root := loadSchemaJSON(t)
	defs := root["$defs"].(map[string]any)
	resolve := func(s map[string]any) map[string]any {
		for {
			ref, ok := s["$ref"].(string)
			if !ok {
				return s
			}
			s = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
	}
	var out []schemaField
	var walk func(path string, tokens []string, typ reflect.Type, s map[string]any)
	// child records one property and walks into it.
	child := func(path string, tokens []string, typ reflect.Type, node map[string]any, required bool) {
		optional := typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		f := schemaField{path: path, tokens: tokens, typ: typ, node: node, resolved: resolve(node), required: required, optional: optional}
		switch {
		case typ == quantityType, typ == resourceListType:
			f.leaf = true
		case typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Struct:
			f.leaf = true
		case typ.Kind() == reflect.Map:
			f.leaf = true
		case typ.Kind() != reflect.Struct && typ.Kind() != reflect.Slice:
			f.leaf = true
		}
		out = append(out, f)
		walk(path, tokens, typ, node)
	}
	walk = func(path string, tokens []string, typ reflect.Type, s map[string]any) {
		s = resolve(s)
		switch {
		case typ == resourcesType:
			// Only requests and limits are values keys (not claims).
			props, _ := s["properties"].(map[string]any)
			for _, name := range []string{"requests", "limits"} {
				ps, ok := props[name].(map[string]any)
				if !ok {
					t.Errorf("%s.%s: not in the schema", path, name)
					continue
				}
				child(path+"."+name, append(slices.Clone(tokens), name), resourceListType, ps, false)
			}
		case typ == quantityType, typ == resourceListType:
		case typ.Kind() == reflect.Map:
			if s["additionalProperties"] != false {
				t.Errorf("%s: schema must set additionalProperties: false", path)
			}
			pp, _ := s["patternProperties"].(map[string]any)
			if len(pp) != 1 {
				t.Errorf("%s: want one patternProperties entry, got %d", path, len(pp))
				return
			}
			for _, v := range pp {
				child(path+".<kind>", append(slices.Clone(tokens), mapKind), typ.Elem(), v.(map[string]any), false)
			}
		case typ.Kind() == reflect.Slice:
			items, ok := s["items"].(map[string]any)
			if !ok {
				t.Errorf("%s: schema has no items", path)
				return
			}
			if typ.Elem().Kind() == reflect.Struct {
				walk(path+"[]", append(slices.Clone(tokens), "0"), typ.Elem(), items)
			}
		case typ.Kind() == reflect.Struct:
			if s["additionalProperties"] != false {
				t.Errorf("%s: schema must set additionalProperties: false", path)
			}
			props, _ := s["properties"].(map[string]any)
			required, _ := s["required"].([]any)
			seen := map[string]bool{}
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				name := strings.Split(f.Tag.Get("json"), ",")[0]
				if name == "-" {
					continue // not part of the values (Values.Source)
				}
				seen[name] = true
				ps, ok := props[name].(map[string]any)
				if !ok {
					t.Errorf("%s.%s: in the Go type but not in the schema", path, name)
					continue
				}
				child(strings.TrimPrefix(path+"."+name, "."), append(slices.Clone(tokens), name), f.Type, ps, slices.Contains(required, any(name)))
			}
			var extra []string
			for name := range props {
				if !seen[name] {
					extra = append(extra, name)
				}
			}
			sort.Strings(extra)
			for _, name := range extra {
				t.Errorf("%s.%s: in the schema but not in the Go type", path, name)
			}
		}
	}
	walk("", nil, reflect.TypeOf(Values{}), root)
	return out
}

// TestSchemaMatchesTypes keeps schemas/values.schema.json and the Values
// struct in step: every field is in both, so the schema can reject unknown
// keys without rejecting real ones.
func TestSchemaMatchesTypes(t *testing.T) {
	if fields := schemaFields(t); len(fields) < 100 {
		t.Errorf("walked %d fields only", len(fields))
	}
}

// TestSchemaDescribesEveryField: an editor shows each field's description,
// so every field of the Go types has one where it is used (not only in a
// shared definition), and a required field says so.
func TestSchemaDescribesEveryField(t *testing.T) {
	for _, f := range schemaFields(t) {
		d, _ := f.node["description"].(string)
		switch {
		case strings.TrimSpace(d) == "":
			t.Errorf("%s: no description", f.path)
		case f.required && !strings.HasPrefix(d, "Required."):
			t.Errorf("%s: required, and its description does not start with \"Required.\"", f.path)
		case !f.required && strings.Contains(d, "Required."):
			t.Errorf("%s: not required, but its description says so", f.path)
		}
	}
	// Properties of the schema that no Go field reaches (shared definitions)
	// are described too.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, key := range []string{"properties", "patternProperties"} {
				props, _ := v[key].(map[string]any)
				for name, p := range props {
					if d, _ := p.(map[string]any)["description"].(string); d == "" {
						t.Errorf("%s/%s/%s: no description", path, key, name)
					}
				}
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(path+"/"+strconv.Itoa(i), c)
			}
		}
	}
	root := loadSchemaJSON(t)
	for name, def := range root["$defs"].(map[string]any) {
		if !slices.Contains(ruleBranches, "/$defs/"+name) { // the rules' then branches only restate fields
			walk("#/$defs/"+name, def)
		}
	}
}

// TestSchemaExamplesValidate: every leaf offers examples, and each one is
// accepted by the schema in a values document that holds only it and what
// the schema requires around it.
func TestSchemaExamplesValidate(t *testing.T) {
	sch, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	root := loadSchemaJSON(t)
	fields := schemaFields(t)
	byPath := map[string]schemaField{}
	for _, f := range fields {
		byPath[strings.Join(f.tokens, "/")] = f
	}
	for _, f := range fields {
		if !f.leaf {
			continue
		}
		examples, _ := f.node["examples"].([]any)
		if len(examples) == 0 {
			t.Errorf("%s: no examples", f.path)
			continue
		}
		for i, ex := range examples {
			doc := map[string]any{"global": map[string]any{"hostname": "kasm.example.com"}}
			if err := setExample(doc, f.tokens, ex, root, byPath); err != nil {
				t.Errorf("%s: example %d: %v", f.path, i, err)
				continue
			}
			js, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s: example %d (%v) is refused in %s:\n%v", f.path, i, ex, js, err)
			}
		}
	}
}

// setExample writes value at tokens, creating each missing object or list
// on the way with the fields the schema requires of it (their first
// example).
func setExample(doc map[string]any, tokens []string, value any, root map[string]any, fields map[string]schemaField) error {
	var cur any = doc
	for i, tok := range tokens {
		last := i == len(tokens)-1
		here := strings.Join(tokens[:i+1], "/")
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[tok] = value
				return nil
			}
			if _, ok := c[tok]; !ok {
				inst, err := requiredInstance(here, fields)
				if err != nil {
					return err
				}
				c[tok] = inst
			}
			cur = c[tok]
		case []any:
			if tok != "0" || len(c) == 0 {
				return fmt.Errorf("%s: unexpected list index", here)
			}
			if last {
				c[0] = value
				return nil
			}
			cur = c[0]
		default:
			return fmt.Errorf("%s: not an object or list", here)
		}
	}
	return nil
}

// requiredInstance is the smallest value the field at key (tokens joined
// by /) can have: an object with its required fields, a list of one such
// item, or a leaf's first example.
func requiredInstance(key string, fields map[string]schemaField) (any, error) {
	f, ok := fields[key]
	if !ok {
		// A list's item: key ends in /0.
		item, err := requiredObject(key, fields)
		if err != nil {
			return nil, err
		}
		return item, nil
	}
	switch {
	case f.leaf:
		ex, _ := f.node["examples"].([]any)
		if len(ex) == 0 {
			return nil, fmt.Errorf("%s has no example", f.path)
		}
		return ex[0], nil
	case f.typ.Kind() == reflect.Slice:
		item, err := requiredObject(key+"/0", fields)
		if err != nil {
			return nil, err
		}
		return []any{item}, nil
	default:
		return requiredObject(key, fields)
	}
}

func requiredObject(key string, fields map[string]schemaField) (map[string]any, error) {
	obj := map[string]any{}
	for k, f := range fields {
		if f.required && strings.HasPrefix(k, key+"/") && !strings.Contains(k[len(key)+1:], "/") {
			v, err := requiredInstance(k, fields)
			if err != nil {
				return nil, err
			}
			obj[f.tokens[len(f.tokens)-1]] = v
		}
	}
	return obj, nil
}

// The minimal values files Default() fills for TestSchemaDefaults: the bare
// one holds what the schema requires; the full one also holds one item of
// each list, and each optional object Default() fills inside, with only
// their required fields (an env variable needs a value too, which the
// values check asks for).
const (
	bareValues = "global: {hostname: kasm.example.com}\n"
	fullValues = `global: {hostname: kasm.example.com}
gpu:
  nodePools: [{name: pool, nodes: 1, gpusPerNode: 1}]
vdi:
  templates:
  - name: desk
    image: desk:1.0
    env: [{name: TZ, value: UTC}]
    storage: {}
    warmPool: {size: 1, schedule: [{start: "08:00", end: "18:00", size: 1}]}
  sessions: [{name: s, template: desk, user: alice}]
auth:
  oidc: {issuerURL: "https://login.example.com", clientID: vdi}
ingress:
  tls: {certManager: {issuer: letsencrypt}}
`
)

// defaultCases are the fields whose schema default is not plainly what
// Default() writes into the minimal values files.
var defaultCases = []struct {
	path string
	// dependsOn: the default follows another field, which the description
	// must name; the schema gives the default in the minimal files.
	dependsOn string
	// derived: Default() fills the field from another one (dependsOn), so
	// there is no constant default and the schema gives none.
	derived bool
	// effective: Default() leaves the field empty and the code reads empty
	// as this value, which the schema gives as its default.
	effective func(v *Values) any
	reason    string
}{
	{path: "postgres.enabled", dependsOn: "charts.kasm.name", reason: "off with kasm-single-zone, which runs its own database"},
	{path: "redis.enabled", dependsOn: "charts.kasm.name", reason: "off with kasm-single-zone, which runs its own Redis"},
	{path: "postgres.primary.persistence.storageClass", dependsOn: "global.storageClass", reason: "copied from global.storageClass"},
	{path: "redis.persistence.storageClass", dependsOn: "global.storageClass", reason: "copied from global.storageClass"},
	{path: "gpu.nodePools[].replicas", dependsOn: "gpu.timeSlicing.replicas", reason: "a pool without replicas takes the time-slicing default"},
	{path: "vdi.templates[].resources.requests", dependsOn: "vdi.sessionDefaults.resources", reason: "filled entry by entry from the session defaults"},
	{path: "vdi.templates[].resources.limits", dependsOn: "vdi.sessionDefaults.resources", reason: "filled entry by entry from the session defaults"},
	{path: "vdi.templates[].idleTimeout", dependsOn: "vdi.sessionDefaults.idleTimeout", reason: "copied from the session defaults"},
	{path: "vdi.templates[].maxSessionLength", dependsOn: "vdi.sessionDefaults.maxSessionLength", reason: "copied from the session defaults"},
	{path: "vdi.templates[].storage.size", dependsOn: "vdi.sessionDefaults.storage.size", reason: "copied from the session defaults"},
	{path: "vdi.templates[].storage.mountPath", dependsOn: "vdi.sessionDefaults.storage.mountPath", reason: "copied from the session defaults"},
	{path: "charts.kasm.repo", dependsOn: "charts.kasm.name", reason: "kasm-single-zone has no default repository"},
	{path: "charts.kasm.version", dependsOn: "charts.kasm.name", reason: "1.16.0 with kasm-single-zone"},
	{path: "charts.kasm.archive", dependsOn: "charts.kasm.name and version", reason: "charts/<name>-<version>.tgz"},
	{path: "charts.postgresql.archive", dependsOn: "name and version", reason: "charts/<name>-<version>.tgz"},
	{path: "charts.redis.archive", dependsOn: "name and version", reason: "charts/<name>-<version>.tgz"},
	{path: "charts.coturn.archive", dependsOn: "name and version", reason: "charts/<name>-<version>.tgz"},
	{path: "charts.gpuOperator.archive", dependsOn: "name and version", reason: "charts/<name>-<version>.tgz"},
	{path: "auth.oidc.cookieSecretRef", dependsOn: "clientSecretRef", reason: "the client secret's Secret, key cookie-secret"},
	{path: "ingress.sessionHost", dependsOn: "global.hostname", derived: true, reason: "sessions.<global.hostname>"},
	{path: "turn.realm", dependsOn: "global.hostname", derived: true, reason: "global.hostname itself"},
	{path: "ingress.tls.secretName", dependsOn: "certManager", derived: true, reason: "vdi-tls with certManager, else none"},
	{path: "rules.storage", effective: func(v *Values) any { return v.Rules.Mode("storage") }, reason: "Rules.Mode reads empty as enforce"},
	{path: "rules.pullPolicy", effective: func(v *Values) any { return v.Rules.Mode("pullPolicy") }, reason: "Rules.Mode reads empty as enforce"},
	{path: "rules.resources", effective: func(v *Values) any { return v.Rules.Mode("resources") }, reason: "Rules.Mode reads empty as enforce"},
	{path: "rules.gpu", effective: func(v *Values) any { return v.Rules.Mode("gpu") }, reason: "Rules.Mode reads empty as enforce"},
	{path: "rules.pinning", effective: func(v *Values) any { return v.Rules.Mode("pinning") }, reason: "Rules.Mode reads empty as enforce"},
	{path: "vdi.monitoring.enabled", effective: func(v *Values) any { return v.VDI.Monitoring.Enabled }, reason: "a plain bool: false is left out"},
	{path: "vdi.prepull.enabled", effective: func(v *Values) any { return v.VDI.Prepull.Enabled }, reason: "a plain bool: false is left out"},
}

// defaulted loads a values file and returns it as written and as Default()
// filled it, both as JSON values.
func defaulted(t *testing.T, src string) (in, out any, v *Values) {
	t.Helper()
	v, err := LoadFile("values.yaml", []byte(src))
	if err != nil {
		t.Fatalf("%s\n%v", src, err)
	}
	js, err := sigsyaml.YAMLToJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &in); err != nil {
		t.Fatal(err)
	}
	js, err = json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &out); err != nil {
		t.Fatal(err)
	}
	return in, out, v
}

func lookup(v any, tokens []string) (any, bool) {
	for _, tok := range tokens {
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// TestSchemaDefaults: the schema's default of a field is what Default()
// fills into a minimal values file, and a leaf Default() fills has one.
// Fields inside lists are looked at in the full file, the others in the
// bare one first (where the lists Default() fills, such as gpu.nodePools,
// are absent).
func TestSchemaDefaults(t *testing.T) {
	bareIn, bareOut, bare := defaulted(t, bareValues)
	fullIn, fullOut, _ := defaulted(t, fullValues)
	ordered := schemaFields(t)
	fields := map[string]schemaField{}
	for _, f := range ordered {
		fields[f.path] = f
	}
	defs := loadSchemaJSON(t)["$defs"].(map[string]any)
	// defaultOf is the default in force: the property's own, else that of
	// the definition it refers to.
	defaultOf := func(s map[string]any) (any, bool) {
		for {
			if d, ok := s["default"]; ok {
				return d, true
			}
			ref, ok := s["$ref"].(string)
			if !ok {
				return nil, false
			}
			s = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
	}
	// wholes are the optional objects Default() fills as a whole, with a
	// default: their fields need none of their own.
	var wholes []string
	for _, f := range ordered {
		if _, ok := defaultOf(f.node); ok && f.optional && !f.leaf {
			wholes = append(wholes, f.path+".")
		}
	}
	cases := map[string]int{}
	for i, c := range defaultCases {
		if _, ok := fields[c.path]; !ok {
			t.Errorf("defaultCases: %s is no field", c.path)
		}
		cases[c.path] = i
	}
	for _, f := range ordered {
		inList := slices.Contains(f.tokens, "0")
		// filled: absent from a minimal file, present once defaulted.
		filled := func(in, out any) (any, bool) {
			if _, given := lookup(in, f.tokens); given {
				return nil, false
			}
			return lookup(out, f.tokens)
		}
		got, isFilled := filled(fullIn, fullOut)
		if !inList {
			if g, ok := filled(bareIn, bareOut); ok {
				got, isFilled = g, true
			}
		}
		def, hasDefault := defaultOf(f.node)
		i, isCase := cases[f.path]
		desc, _ := f.node["description"].(string)
		if isCase && defaultCases[i].dependsOn != "" && !strings.Contains(desc, defaultCases[i].dependsOn) {
			t.Errorf("%s: the default depends on %s (%s), which the description does not name", f.path, defaultCases[i].dependsOn, defaultCases[i].reason)
		}
		switch {
		case isCase && defaultCases[i].derived:
			if hasDefault {
				t.Errorf("%s: Default() derives it (%s); the schema must give no constant default", f.path, defaultCases[i].reason)
			}
			if !isFilled {
				t.Errorf("%s: listed as derived, but Default() leaves it empty", f.path)
			}
			continue
		case isCase && defaultCases[i].effective != nil:
			if isFilled {
				t.Errorf("%s: listed as read-as-default, but Default() fills it: drop it from defaultCases", f.path)
			}
			want, _ := json.Marshal(defaultCases[i].effective(bare))
			if have, _ := json.Marshal(def); !hasDefault || !bytes.Equal(have, want) {
				t.Errorf("%s: schema default %s, but an absent value reads as %s (%s)", f.path, have, want, defaultCases[i].reason)
			}
			continue
		}
		switch {
		case hasDefault && !isFilled:
			t.Errorf("%s: the schema gives default %v, but Default() fills nothing in the minimal values", f.path, def)
		case hasDefault:
			have, _ := json.Marshal(def)
			want, _ := json.Marshal(got)
			if !bytes.Equal(have, want) {
				t.Errorf("%s: schema default %s, Default() fills %s", f.path, have, want)
			}
		case isFilled && slices.ContainsFunc(wholes, func(w string) bool { return strings.HasPrefix(f.path, w) }):
		case isFilled && (f.leaf || f.optional && f.typ != resourcesType):
			// An optional object or list Default() fills as a whole needs
			// a default as much as a leaf does.
			js, _ := json.Marshal(got)
			t.Errorf("%s: Default() fills %s, but the schema gives no default", f.path, js)
		}
	}
}

// TestRuleBranchesSteerEditors: with a rule in enforce mode (its default)
// the schema accepts only what the rule keeps, so an editor says so; audit
// and off accept the rest. Load still reports the values check's message,
// which names the rule and its audit mode.
func TestRuleBranchesSteerEditors(t *testing.T) {
	sch, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, src string
		schemaOK  bool
		message   string // from Load; empty when it loads
	}{
		{"pull policy IfNotPresent", "global: {hostname: h, image: {pullPolicy: IfNotPresent}}\n", true, ""},
		{"pull policy Always", "global: {hostname: h, image: {pullPolicy: Always}}\n", false, "Always contradicts the pullPolicy rule, which sets IfNotPresent everywhere: write IfNotPresent, or keep Always with the rule in audit mode (rules: {pullPolicy: audit})"},
		{"pull policy Never, rule enforce", "global: {hostname: h, image: {pullPolicy: Never}}\nrules: {pullPolicy: enforce}\n", false, "rules: {pullPolicy: audit}"},
		{"pull policy Always, rule audit", "global: {hostname: h, image: {pullPolicy: Always}}\nrules: {pullPolicy: audit}\n", true, ""},
		{"pull policy Never, rule off", "global: {hostname: h, image: {pullPolicy: Never}}\nrules: {pullPolicy: \"off\"}\n", true, ""},
		{"pull policy Always, other rule audit", "global: {hostname: h, image: {pullPolicy: Always}}\nrules: {storage: audit}\n", false, "rules: {pullPolicy: audit}"},
		{"storage class", "global: {hostname: h, storageClass: longhorn}\n", false, "global.storageClass: longhorn contradicts the storage rule"},
		{"postgres storage class", "global: {hostname: h}\npostgres: {primary: {persistence: {storageClass: nfs}}}\n", false, "postgres.primary.persistence.storageClass: nfs contradicts the storage rule"},
		{"redis storage class", "global: {hostname: h}\nredis: {persistence: {storageClass: nfs}}\n", false, "redis.persistence.storageClass: nfs contradicts the storage rule"},
		{"storage class, rule audit", "global: {hostname: h, storageClass: longhorn}\nrules: {storage: audit}\n", true, ""},
		{"unknown pull policy", "global: {hostname: h, image: {pullPolicy: Sometimes}}\n", false, "global.image.pullPolicy: value must be one of"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			js, err := sigsyaml.YAMLToJSON([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); (err == nil) != tt.schemaOK {
				t.Errorf("schema accepts: %v, want %v (%v)", err == nil, tt.schemaOK, err)
			}
			_, err = LoadFile("values.yaml", []byte(tt.src))
			if tt.message == "" {
				if err != nil {
					t.Errorf("Load: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("Load: %v\nwant a message with %q", err, tt.message)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Load reports more than one problem (the schema's rule branch as well?):\n%v", err)
			}
		})
	}
}
