package fn

import (
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// Validator checks the items against the platform rules and changes
// nothing; every violation is an error. Its functionConfig, when given, is
// the same VDIPlatform or ConfigMap the renderer reads.
type Validator struct{}

// Process implements framework.ResourceListProcessor.
func (Validator) Process(rl *framework.ResourceList) error {
	env := &transformers.Env{Values: values.Defaults(), UnknownPools: true}
	if rl.FunctionConfig != nil && !rl.FunctionConfig.IsNilOrEmpty() {
		loaded, results := LoadValues(rl.FunctionConfig)
		rl.Results = append(rl.Results, results...)
		if loaded == nil {
			return ErrFailed
		}
		env = &transformers.Env{Values: loaded}
	}
	results, err := Validate(rl.Items, env)
	if err != nil {
		return err
	}
	rl.Results = append(rl.Results, results...)
	if HasErrors(results) {
		return ErrFailed
	}
	return nil
}

// Validate runs every rule over items as a validator: no fix is applied.
func Validate(items []*yaml.RNode, env *transformers.Env) (framework.Results, error) {
	return transformers.Run(items, env, true)
}
