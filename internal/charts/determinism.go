package charts

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Determinism. The same input must give the same bytes, but charts generate
// passwords (randAlphaNum), keys and certificates (genPrivateKey, genCA,
// genSignedCert), UUIDs and timestamps while they render, and checksum
// them into annotations. Every chart is therefore rendered twice. In each
// pass the template functions that draw random numbers or read the clock
// return fixed values that differ between the two passes (the functions
// keep sprig's signatures); the certificate and key functions keep their
// real randomness, which differs between the passes anyway. Any object that
// is not byte-identical between the passes depends on something generated at
// render time: the render fails, naming the object, the fields that change
// and, for the charts vdirender pins, the value that gives the chart an
// existing Secret instead. When the passes agree, nothing generated reached
// the output, which is then exactly what Helm renders.

// passFuncs are the template functions of one pass.
type passFuncs struct {
	letter, digit byte
	octet         byte
	first         bool
	uuid          string
	now           time.Time
}

var passes = [2]passFuncs{
	{letter: 'a', digit: '0', octet: 0x00, first: true, uuid: "00000000-0000-4000-8000-000000000000",
		now: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
	{letter: 'b', digit: '1', octet: 0xff, uuid: "11111111-1111-4111-9111-111111111111",
		now: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)},
}

func repeat(c byte, n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(string(c), n)
}

func (p passFuncs) funcMap() template.FuncMap {
	return template.FuncMap{
		"randAlphaNum": func(n int) string { return repeat(p.letter, n) },
		"randAlpha":    func(n int) string { return repeat(p.letter, n) },
		"randAscii":    func(n int) string { return repeat(p.letter, n) },
		"randNumeric":  func(n int) string { return repeat(p.digit, n) },
		"randBytes": func(n int) (string, error) {
			if n < 0 {
				n = 0
			}
			return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{p.octet}, n)), nil
		},
		"randInt": func(lo, hi int) int {
			if hi <= lo {
				panic("invalid argument to Intn") // as sprig's rand.Intn
			}
			if p.first {
				return lo
			}
			return hi - 1
		},
		"shuffle": func(s string) string {
			if p.first {
				return s
			}
			r := []rune(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r)
		},
		"uuidv4": func() string { return p.uuid },
		"now":    func() time.Time { return p.now },
		"ago": func(date any) string {
			var t time.Time
			switch d := date.(type) {
			case time.Time:
				t = d
			case int64:
				t = time.Unix(d, 0)
			case int:
				t = time.Unix(int64(d), 0)
			case int32:
				t = time.Unix(int64(d), 0)
			default:
				t = p.now
			}
			return p.now.Sub(t).Round(time.Second).String()
		},
	}
}

func newEngine(p passFuncs) engine.Engine {
	return engine.Engine{CustomTemplateFuncs: p.funcMap()}
}

// compare fails when the two passes differ.
func compare(chartName string, a, b []releaseutil.Manifest) error {
	var lines, hints []string
	seen := map[string]bool{}
	hint := func(file string) {
		if h := secretHint(chartName, file); !seen[h] {
			seen[h] = true
			hints = append(hints, h)
		}
	}
	if len(a) != len(b) {
		files := map[string]int{}
		for _, m := range a {
			files[m.Name]++
		}
		for _, m := range b {
			files[m.Name]--
		}
		for f, n := range files {
			if n != 0 {
				lines = append(lines, fmt.Sprintf("%s renders a different number of objects", f))
				hint(f)
			}
		}
	} else {
		for i := range a {
			if a[i].Content == b[i].Content {
				continue
			}
			lines = append(lines, fmt.Sprintf("%s %s (%s): %s", a[i].Head.Kind, headName(a[i]), a[i].Name, strings.Join(diffPaths(a[i].Content, b[i].Content), ", ")))
			hint(a[i].Name)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	sort.Strings(lines)
	return fmt.Errorf("chart %s renders differently on every run: it generates values (passwords, keys, certificates, or checksums of them) while it renders, "+
		"and the same input must give the same bytes; what changes: %s; to fix it: %s",
		chartName, strings.Join(lines, "; "), strings.Join(hints, "; "))
}

func headName(m releaseutil.Manifest) string {
	if m.Head != nil && m.Head.Metadata != nil {
		return m.Head.Metadata.Name
	}
	return ""
}

// maxPaths bounds how many changing fields one object reports.
const maxPaths = 5

// diffPaths lists the fields that differ between two renderings of one
// object, such as data.postgres-password.
func diffPaths(a, b string) []string {
	na, errA := yaml.Parse(a)
	nb, errB := yaml.Parse(b)
	if errA != nil || errB != nil {
		return []string{"its text"}
	}
	var out []string
	var walk func(x, y *yaml.Node, p string)
	walk = func(x, y *yaml.Node, p string) {
		if len(out) >= maxPaths {
			return
		}
		if x.Kind != y.Kind {
			out = append(out, orRoot(p))
			return
		}
		switch x.Kind {
		case yaml.MappingNode:
			ys := map[string]*yaml.Node{}
			for i := 0; i+1 < len(y.Content); i += 2 {
				ys[y.Content[i].Value] = y.Content[i+1]
			}
			xs := map[string]bool{}
			for i := 0; i+1 < len(x.Content); i += 2 {
				k := x.Content[i].Value
				xs[k] = true
				if yv, ok := ys[k]; ok {
					walk(x.Content[i+1], yv, join(p, k))
				} else if len(out) < maxPaths {
					out = append(out, join(p, k))
				}
			}
			for i := 0; i+1 < len(y.Content) && len(out) < maxPaths; i += 2 {
				if k := y.Content[i].Value; !xs[k] {
					out = append(out, join(p, k))
				}
			}
		case yaml.SequenceNode:
			if len(x.Content) != len(y.Content) {
				out = append(out, orRoot(p))
				return
			}
			for i := range x.Content {
				walk(x.Content[i], y.Content[i], p+"["+strconv.Itoa(i)+"]")
			}
		case yaml.DocumentNode:
			for i := range x.Content {
				walk(x.Content[i], y.Content[i], p)
			}
		default:
			if x.Value != y.Value {
				out = append(out, orRoot(p))
			}
		}
	}
	walk(na.YNode(), nb.YNode(), "")
	if len(out) == 0 {
		return []string{"its text"}
	}
	return out
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func orRoot(p string) string {
	if p == "" {
		return "the whole object"
	}
	return p
}

// secretHint says which value gives the chart that rendered file an
// existing Secret instead of one it generates or writes.
func secretHint(topChart, file string) string {
	name, prefix := templateChart(file)
	for _, k := range knownSecrets {
		if k.chart == name && (k.template == "" || strings.HasSuffix(file, "/templates/"+k.template)) {
			return fmt.Sprintf("set %s%s in the values of chart %s", prefix, k.value, topChart)
		}
	}
	who := "chart " + topChart
	if name != topChart {
		who = "sub-chart " + name + " (values under " + strings.TrimSuffix(prefix, ".") + ") of chart " + topChart
	}
	return "point " + who + " at an existing Secret through its values (usually a value named existingSecret), so that it neither generates nor writes one"
}

// knownSecrets are, for the charts vdirender pins and their sub-charts, the
// values that make them use an existing Secret. Template "" matches every
// template of the chart (a checksum of the Secret changes with it).
var knownSecrets = []struct{ chart, template, value string }{
	{"postgresql", "", "auth.existingSecret (a Secret with the key auth.secretKeys.adminPasswordKey, postgres-password by default)"},
	{"redis", "", "auth.existingSecret and auth.existingSecretPasswordKey (a Secret holding the Redis password)"},
	{"mysql", "", "auth.existingSecret (a Secret with keys mysql-root-password and mysql-password)"},
	{"coturn", "auth-secret.yaml", "coturn.auth.existingSecret (a Secret with keys username and password)"},
	{"coturn", "database-secret.yaml", "postgresql.global.postgresql.auth.existingSecret or externalDatabase.existingSecret"},
}
