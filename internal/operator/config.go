package operator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// Config is the platform the operator applies the rules with: the values
// the renderer wrote into the operator's ConfigMap (values.OperatorConfig),
// loaded with the renderer's own loader and schema.
//
// The kubelet updates a mounted ConfigMap by writing a new directory and
// swapping the ..data symlink to it, which file watches on the path miss, so
// nothing is watched: each use reads the file through the symlinks (a few
// kilobytes) and compares its hash with the config in force; only a changed
// file is loaded again. A changed config therefore applies to the next
// session without a restart. A config that does not load leaves the last good
// one in force and is logged once; at start it is an error.
type Config struct {
	path string
	log  logr.Logger

	mu     sync.Mutex
	sum    [sha256.Size]byte
	badSum [sha256.Size]byte
	values *values.Values
}

// DefaultConfig is the config of an operator started without --config: the
// defaults of every value, with the node pools unknown, so GPU capacity is
// not judged.
func DefaultConfig() *Config {
	return &Config{values: values.Defaults()}
}

// ConfigOf is a config of fixed values (defaulted here), for a gateway or
// reconciler run without a config file.
func ConfigOf(v *values.Values) *Config {
	v.Default()
	return &Config{values: v}
}

// LoadConfig reads the config file at path; any problem in it is an error.
func LoadConfig(path string, log logr.Logger) (*Config, error) {
	c := &Config{path: path, log: log}
	data, err := input.ReadMounted(path, values.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("operator config: %w", err)
	}
	v, err := values.LoadFile(path, data)
	if err != nil {
		return nil, fmt.Errorf("operator config %s does not load:\n%w", path, err)
	}
	c.sum, c.values = sha256.Sum256(data), v
	log.Info("platform config loaded", c.summary()...)
	return c, nil
}

// Path is the config file, "" for DefaultConfig.
func (c *Config) Path() string { return c.path }

// Values returns the config in force, reloading the file first if it changed.
func (c *Config) Values() *values.Values {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path != "" {
		c.refresh()
	}
	return c.values
}

// Current is the config in force without looking at the file: for the
// gateway, which reads it on every request. Watch keeps it fresh (every
// configCheckInterval); a session's start (Values) reads the file itself.
func (c *Config) Current() *values.Values {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.values
}

// Env is what the rules know about the platform: its values and, when they
// come from the platform, its node pools.
func (c *Config) Env() *transformers.Env {
	return &transformers.Env{Values: c.Values(), UnknownPools: c.path == ""}
}

// refresh loads the file again if its content changed. The caller holds c.mu.
func (c *Config) refresh() {
	data, err := input.ReadMounted(c.path, values.MaxBytes)
	if err != nil {
		c.refused(sha256.Sum256([]byte(err.Error())), err)
		return
	}
	sum := sha256.Sum256(data)
	if sum == c.sum || sum == c.badSum {
		return
	}
	v, err := values.LoadFile(c.path, data)
	if err != nil {
		c.refused(sum, err)
		return
	}
	c.sum, c.values = sum, v
	c.badSum = [sha256.Size]byte{}
	c.log.Info("platform config reloaded", c.summary()...)
}

// refused logs a config that cannot be used, once per distinct problem.
func (c *Config) refused(sum [sha256.Size]byte, err error) {
	if sum == c.badSum {
		return
	}
	c.badSum = sum
	c.log.Error(err, "platform config not reloaded; the last good one stays in force", "file", c.path, "inForce", short(c.sum))
}

// summary is the key/value pairs that say which config is in force.
func (c *Config) summary() []any {
	r := c.values.Rules
	var pools bytes.Buffer
	for i, p := range c.values.GPU.NodePools {
		if i > 0 {
			pools.WriteString(",")
		}
		fmt.Fprintf(&pools, "%s(%dx%dx%d)", p.Name, p.Nodes, p.GPUsPerNode, p.Replicas)
	}
	return []any{"file", c.path, "sha256", short(c.sum), "platform", c.values.Global.Hostname,
		"rules", fmt.Sprintf("storage=%s pullPolicy=%s resources=%s gpu=%s pinning=%s",
			r.Mode("storage"), r.Mode("pullPolicy"), r.Mode("resources"), r.Mode("gpu"), r.Mode("pinning")),
		"nodePools", pools.String(), "failRequestsGreaterThanOne", *c.values.GPU.TimeSlicing.FailRequestsGreaterThanOne}
}

func short(sum [sha256.Size]byte) string { return hex.EncodeToString(sum[:6]) }

// Watch looks at the config file every interval until ctx ends, so that a
// reload (or a refused config) is logged when it happens, not only when the
// next session needs it. It is a manager Runnable.
func (c *Config) Watch(interval time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		if c.path == "" {
			return nil
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				c.Values()
			}
		}
	}
}
