package realcharts

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vdirender/vdirender/internal/charttest"
)

// unreadExceptions are keys vdirender sends although changing them changes
// nothing in the rendering, keyed "chart path", each with why it stays.
// Keep it empty: a key the chart does not read should not be sent.
var unreadExceptions = map[string]string{}

// leaf is one scalar of a values tree and where it is.
type leaf struct {
	path  []any // string keys and int indices
	value any
}

func (l leaf) String() string {
	var b strings.Builder
	for _, p := range l.path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(fmt.Sprint(p))
		}
	}
	return b.String()
}

// leaves walks a values tree down to its scalars.
func leaves(v any, path []any) []leaf {
	switch x := v.(type) {
	case map[string]any:
		var out []leaf
		for _, k := range sortedKeys(x) {
			out = append(out, leaves(x[k], append(append([]any{}, path...), k))...)
		}
		return out
	case []any:
		var out []leaf
		for i, c := range x {
			out = append(out, leaves(c, append(append([]any{}, path...), i))...)
		}
		return out
	default:
		return []leaf{{path, v}}
	}
}

// with returns a deep copy of v whose value at path is replaced.
func with(v any, path []any, value any) any {
	if len(path) == 0 {
		return value
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			out[k] = c
		}
		k := path[0].(string)
		out[k] = with(x[k], path[1:], value)
		return out
	case []any:
		out := append([]any{}, x...)
		i := path[0].(int)
		out[i] = with(x[i], path[1:], value)
		return out
	}
	panic(fmt.Sprintf("no %v in %T", path, v))
}

// alternatives are values to try instead of v, most meaningful first: each
// is valid where v is, so that the chart's templates, not its schema, decide.
func alternatives(v any) []any {
	switch x := v.(type) {
	case bool:
		return []any{!x}
	case int:
		return []any{x + 1}
	case float64:
		return []any{x + 1}
	case string:
		known := map[string][]any{
			"ClusterIP": {"NodePort", "LoadBalancer"}, "IfNotPresent": {"Always"}, "Always": {"IfNotPresent"},
			"http": {"https"}, "standalone": {"replication"}, "": {"Local", "x"},
		}
		if alt, ok := known[x]; ok {
			return alt
		}
		if q, err := resource.ParseQuantity(x); err == nil && !strings.HasPrefix(x, "v") {
			q.Add(q)
			if q.IsZero() {
				q = resource.MustParse("1")
			}
			return []any{q.String(), x + "x"}
		}
		return []any{x + "x"}
	}
	return nil
}

// TestUnreadChartKeys changes every key vdirender sends to a chart, one at a
// time, and renders the real chart again with helm template: the rendering
// must change, or the key is one the chart does not read. Values that come
// out different between two renders of the same values (generated passwords
// and certificates) are left out of the comparison.
func TestUnreadChartKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("renders every chart once per key it is sent (about two minutes on two cores)")
	}
	dir := charttest.RealChartsDir(t)
	helm := charttest.Helm(t)
	type job struct {
		r    charttest.Release
		leaf leaf
	}
	type base struct {
		flat     map[string]string
		volatile map[string]bool
	}
	var jobs []job
	queued := map[string]bool{}
	bases := map[string]*base{}
	for _, v := range variants {
		rels, _ := render(t, v)
		for _, r := range rels {
			if !r.HasArchive(dir) {
				continue
			}
			one, err := renderRelease(helm, dir, r)
			if err != nil {
				t.Errorf("%s: %v", r, err)
				continue
			}
			// A second render, past the cache, finds what changes by itself.
			two, err := charttest.Template(helm, dir, r, nil)
			if err != nil {
				t.Fatalf("%s: %v", r, err)
			}
			b := &base{flat: flatten(one), volatile: map[string]bool{}}
			for p, val := range flatten(two) {
				if b.flat[p] != val {
					b.volatile[p] = true
				}
			}
			for p := range b.flat {
				if _, ok := flatten(two)[p]; !ok {
					b.volatile[p] = true
				}
			}
			bases[r.String()] = b
			for _, l := range leaves(r.Values, nil) {
				// Releases the variants share are checked once.
				key := r.Archive(dir) + "\x00" + r.Name + "\x00" + r.Content + "\x00" + l.String()
				if !queued[key] {
					queued[key] = true
					jobs = append(jobs, job{r, l})
				}
			}
		}
	}
	t.Logf("%d keys across %d releases", len(jobs), len(bases))

	type result struct {
		job
		changed bool
		tried   []string
		err     error
	}
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res := result{job: j}
			b := bases[j.r.String()]
			for _, alt := range alternatives(j.leaf.value) {
				vals, err := yaml.Marshal(with(j.r.Values, j.leaf.path, alt))
				if err != nil {
					res.err = err
					break
				}
				res.tried = append(res.tried, fmt.Sprintf("%#v", alt))
				objs, err := charttest.Template(helm, dir, j.r, vals)
				if err != nil && strings.Contains(err.Error(), "don't meet the specifications of the schema") {
					res.err = err
					continue // the schema refuses it: try the next value
				}
				if err != nil {
					// A template failed on the new value (a chart's own
					// check, such as Bitnami's image verification): it
					// reads the key.
					res.err, res.changed = nil, true
					break
				}
				res.err = nil
				for p, val := range flatten(objs) {
					if !b.volatile[p] && b.flat[p] != val {
						res.changed = true
						break
					}
				}
				if !res.changed {
					for p := range b.flat {
						if _, ok := flatten(objs)[p]; !ok && !b.volatile[p] {
							res.changed = true
							break
						}
					}
				}
				break
			}
			results[i] = res
		}()
	}
	wg.Wait()

	read := map[string]int{}
	for _, res := range results {
		key := res.r.Chart + " " + res.leaf.String()
		why, excepted := unreadExceptions[key]
		switch {
		case res.err != nil:
			t.Errorf("%s: %s: no other value renders (tried %s): %v", res.r, res.leaf, strings.Join(res.tried, ", "), res.err)
		case !res.changed && !excepted:
			t.Errorf("%s: key %s (= %v) changes nothing in %s when set to %s: the chart does not read it", res.r, res.leaf, res.leaf.value, res.r.Chart, res.tried[len(res.tried)-1])
		case res.changed && excepted:
			t.Errorf("%s: key %s is listed as unread (%s) but the chart reads it", res.r, res.leaf, why)
		case res.changed:
			read[res.r.String()]++
		}
	}
	for _, name := range sortedKeys(read) {
		t.Logf("%s: %s keys, each changes the rendering", name, strconv.Itoa(read[name]))
	}
}
