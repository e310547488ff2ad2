// Package transformers holds the platform rules. Each rule is one file and
// one small interface: it looks at one object and reports findings; a
// finding it can fix carries the fix. Run decides, per the rule's mode,
// whether to apply the fix (enforce), only warn (audit) or skip the rule
// (off). Validators use the same rules and never change anything.
package transformers

import (
	"errors"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/values"
)

// Mode says what a rule does with its findings.
type Mode string

// Modes of a rule.
const (
	Enforce Mode = "enforce"
	Audit   Mode = "audit"
	Off     Mode = "off"
)

// Finding is one violation of a rule in one object.
type Finding struct {
	// Path is the field path inside the object.
	Path     string
	Current  string
	Proposed string
	Message  string
	// Fix applies Proposed; nil when the rule cannot fix the violation and
	// it must be an error.
	Fix func() error
}

// Rule checks one object and reports what breaks the rule.
type Rule interface {
	// Name is the key of the rule's mode in the values (rules.<name>).
	Name() string
	Check(obj *yaml.RNode, env *Env) ([]Finding, error)
}

// PackageRule checks the package as a whole, e.g. GPU demand against capacity.
type PackageRule interface {
	Name() string
	CheckPackage(items []*yaml.RNode, env *Env) (framework.Results, error)
}

// Env is what the rules know about the platform.
type Env struct {
	Values *values.Values
	// UnknownPools is set when no VDIPlatform describes the node pools (a
	// validator run on bare manifests): capacity cannot be judged then.
	UnknownPools bool
}

// Mode returns the mode of a rule from the values (enforce by default).
func (e *Env) Mode(rule string) Mode {
	if e.Values == nil {
		return Enforce
	}
	return Mode(e.Values.Rules.Mode(rule))
}

// All is every rule, in the order they run: storage and pull policy first,
// then resources, GPU (which reads the filled resources) and pinning.
func All() []Rule {
	return []Rule{Storage{}, PullPolicy{}, Resources{}, GPU{}, Pinning{}}
}

// Packages is every package-wide rule.
func Packages() []PackageRule {
	return []PackageRule{GPUCapacity{}}
}

// Run applies the rules to items. With validate set nothing is changed and
// every finding is an error; otherwise each rule's mode decides.
func Run(items []*yaml.RNode, env *Env, validate bool) (framework.Results, error) {
	var results framework.Results
	// Only objects: readers refuse anything else before the rules run.
	// Local config never reaches a cluster: build drops it and no rule
	// checks it, whether rendering or validating.
	objects := make([]*yaml.RNode, 0, len(items))
	for _, it := range items {
		if it.YNode().Kind == yaml.MappingNode && !manifest.IsLocalConfig(it) {
			objects = append(objects, it)
		}
	}
	rules := All()
	modes := make([]Mode, len(rules))
	for i, r := range rules {
		modes[i] = env.Mode(r.Name())
	}
	for _, it := range objects {
		// Every finding on it names it the same way; no fix changes what
		// names it (apiVersion, kind, name, namespace, file annotations).
		var where *located
		unread := map[string]bool{} // one report of a field several rules read
		for i, r := range rules {
			mode := modes[i]
			if mode == Off {
				continue
			}
			findings, err := r.Check(it, env)
			if err != nil {
				// A field of the wrong shape or a value that does not
				// parse: the object cannot be checked, which is an error
				// on it, with its file, whatever the mode.
				f := uncheckable(err)
				if unread[f.Path+"\x00"+f.Message] {
					continue
				}
				unread[f.Path+"\x00"+f.Message] = true
				if where == nil {
					where = locate(it)
				}
				res := where.result(r, f)
				res.Severity = framework.Error
				results = append(results, res)
				continue
			}
			for _, f := range findings {
				if where == nil {
					where = locate(it)
				}
				res := where.result(r, f)
				switch {
				case validate:
					res.Severity = framework.Error
				case mode == Audit:
					res.Severity = framework.Warning
				case f.Fix == nil:
					res.Severity = framework.Error
				default:
					if err := f.Fix(); err != nil {
						return nil, err
					}
					res.Severity = framework.Info
					res.Message = where.fixed(res.Message)
				}
				results = append(results, res)
			}
		}
	}
	for _, r := range Packages() {
		mode := env.Mode(r.Name())
		if mode == Off {
			continue
		}
		rs, err := r.CheckPackage(objects, env)
		if err != nil {
			return nil, err
		}
		for _, res := range rs {
			if res.Severity == framework.Error && mode == Audit && !validate {
				res.Severity = framework.Warning
			}
		}
		results = append(results, rs...)
	}
	return results, nil
}

// located is what names an object in its results. An object may have a
// finding per container field (hundreds of thousands in a large Pod): its
// results share what they have in common instead of each holding copies,
// which was most of the memory a large object took. Those shared parts
// (ResourceRef, File, Tags) are read-only: whoever changes one in a result
// gives that result its own copy first.
type located struct {
	ref  *yaml.ResourceIdentifier
	file *framework.File
	tags map[string]map[string]string
	// messages holds each "fixed: " message once.
	messages map[string]string
}

func locate(obj *yaml.RNode) *located {
	return &located{ref: ref(obj), file: fileOf(obj)}
}

// result is the result of one finding.
func (l *located) result(rule Rule, f Finding) *framework.Result {
	tags := l.tags[rule.Name()]
	if tags == nil {
		if l.tags == nil {
			l.tags = map[string]map[string]string{}
		}
		tags = map[string]string{"rule": rule.Name()}
		l.tags[rule.Name()] = tags
	}
	res := &framework.Result{
		Message:     f.Message,
		ResourceRef: l.ref,
		Field:       &framework.Field{Path: f.Path, CurrentValue: f.Current, ProposedValue: f.Proposed},
		Tags:        tags,
		File:        l.file,
	}
	if f.Current == "" {
		res.Field.CurrentValue = nil
	}
	if f.Proposed == "" {
		res.Field.ProposedValue = nil
	}
	return res
}

// fixed is the message of a fixed finding.
func (l *located) fixed(message string) string {
	m, ok := l.messages[message]
	if !ok {
		if l.messages == nil {
			l.messages = map[string]string{}
		}
		m = "fixed: " + message
		l.messages[message] = m
	}
	return m
}

func ref(obj *yaml.RNode) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: obj.GetApiVersion(), Kind: obj.GetKind()},
		NameMeta: yaml.NameMeta{Name: obj.GetName(), Namespace: obj.GetNamespace()},
	}
}

func fileOf(obj *yaml.RNode) *framework.File {
	path, index, _ := kioutil.GetFileAnnotations(obj)
	if path == "" {
		return nil
	}
	i, _ := strconv.Atoi(index)
	return &framework.File{Path: path, Index: i}
}

// uncheckable is the finding for an object a rule could not read. kyaml's
// shape errors end with the node's whole text, which says nothing the
// field path does not and may be long: it is cut.
func uncheckable(err error) Finding {
	cut := func(err error) string {
		msg, _, _ := strings.Cut(err.Error(), ": node contents:")
		return "cannot be checked: " + msg
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return Finding{Path: fe.path, Message: cut(fe.err)}
	}
	return Finding{Message: cut(err)}
}

// fieldError is a field a rule could not read.
type fieldError struct {
	path string
	err  error
}

func (e *fieldError) Error() string { return e.path + ": " + e.err.Error() }
