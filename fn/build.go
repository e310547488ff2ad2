package fn

import (
	"errors"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/source"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// Failed carries the results of a rendering that failed; nothing may be
// printed on stdout then.
type Failed struct{ Results framework.Results }

func (f *Failed) Error() string {
	n := 0
	for _, r := range f.Results {
		if r.Severity == framework.Error {
			n++
		}
	}
	return fmt.Sprintf("%d error(s)", n)
}

// Build renders path, a values file, a file holding a VDIPlatform, or a
// package directory holding one. It returns the objects to apply (local
// config and internal annotations removed) and the non-error results.
func Build(path string) ([]*yaml.RNode, framework.Results, error) {
	out, results, _, err := BuildValues(path)
	return out, results, err
}

// BuildValues is Build that also returns the values the rendering came
// from, for commands that report on them (what the cluster must hold).
func BuildValues(path string) ([]*yaml.RNode, framework.Results, *values.Values, error) {
	out, results, v, err := build(path)
	if err != nil {
		return nil, nil, nil, err
	}
	out, err = manifest.Clean(out)
	return out, results, v, err
}

// build renders path and returns the rendering with its internal
// annotations, the results and the values.
func build(path string) ([]*yaml.RNode, framework.Results, *values.Values, error) {
	warm()
	items, v, cfg, err := source.Load(path)
	if err != nil {
		var fes values.Errors
		var fe values.FieldError
		if errors.As(err, &fes) || errors.As(err, &fe) {
			return nil, nil, nil, &Failed{Results: ErrorResults(cfg, err)}
		}
		return nil, nil, nil, err
	}
	out, results, err := Render(items, v, Options{PackageDir: source.PackageDir(path)})
	if err != nil {
		return nil, nil, nil, err
	}
	if HasErrors(results) {
		return nil, nil, nil, &Failed{Results: results}
	}
	return out, results, v, nil
}

// ValidatePath checks the objects of path, a package directory or a file of
// objects, against the platform rules without rendering or changing
// anything. It returns how many objects it checked and the results.
func ValidatePath(path string) (int, framework.Results, error) {
	items, err := source.Objects(path)
	if err != nil {
		return 0, nil, err
	}
	// Each is checked as the cluster gets it: aliases and merge keys
	// resolved, a List as its items.
	if err := manifest.ResolveAnchors(items); err != nil {
		return 0, nil, &Failed{Results: framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "anchors"}}}}
	}
	if items, err = manifest.ExpandLists(items); err != nil {
		return 0, nil, &Failed{Results: framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "lists"}}}}
	}
	env := &transformers.Env{Values: values.Defaults(), UnknownPools: true}
	if cfg, perr := source.Platform(path, items); perr == nil {
		v, err := source.PlatformValues(cfg)
		if err != nil {
			return 0, nil, &Failed{Results: ErrorResults(cfg, err)}
		}
		env = &transformers.Env{Values: v}
	}
	// Local config (the VDIPlatform, Kptfiles) never reaches a cluster.
	kept := items[:0]
	for _, it := range items {
		if !manifest.IsLocalConfig(it) {
			kept = append(kept, it)
		}
	}
	items = kept
	results, err := Validate(items, env)
	return len(items), results, err
}

// PackageValues loads the values of a package directory or values file.
func PackageValues(path string) (*values.Values, error) {
	_, v, cfg, err := source.Load(path)
	if err != nil {
		var fes values.Errors
		var fe values.FieldError
		if errors.As(err, &fes) || errors.As(err, &fe) {
			return nil, &Failed{Results: ErrorResults(cfg, err)}
		}
	}
	return v, err
}

// ApplySetName is the name `vdirender apply` gives the ApplySet of path:
// vdirender-<the VDIPlatform's name>, or vdirender for a plain values file.
func ApplySetName(path string) (string, error) {
	_, _, cfg, err := source.Load(path)
	if err != nil {
		return "", err
	}
	if cfg == nil {
		return "vdirender", nil
	}
	return "vdirender-" + cfg.GetName(), nil
}
