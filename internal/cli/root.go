// Package cli holds vdirender's commands. With no arguments the binary is a
// KRM function (ResourceList on stdin, ResourceList on stdout); the
// subcommands are for people and for Argo CD.
package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/values"
)

// maxInput bounds a ResourceList read from stdin; files and packages have
// the limits of the input gate (internal/input).
var maxInput int64 = fn.DefaultMaxInput

// NewRoot builds the command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "vdirender",
		Short: "Render a GPU VDI platform for K3s from one values file",
		Long: `vdirender renders everything a GPU VDI platform on K3s needs from one values
file: the VDITemplate and VDISession CRDs and their operator, NVIDIA GPU
time-slicing, Traefik v3 routes, and pinned K3s HelmCharts for Kasm,
PostgreSQL, Redis, coturn and gpu-operator.

With no arguments it is a KRM function: it reads a ResourceList on stdin whose
functionConfig is a VDIPlatform (or a ConfigMap with data["values.yaml"]) and
writes a ResourceList on stdout, for kpt fn render and kustomize.`,
		Example: `  # render a package or a values file to a YAML stream
  vdirender build examples/k3s-single-node

  # as a KRM function
  kpt fn source examples/k3s-single-node | vdirender`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunction(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	root.PersistentFlags().Int64Var(&maxInput, "max-input-size", fn.DefaultMaxInput, "refuse a ResourceList on stdin larger than this many bytes")
	root.AddCommand(newInit(), newBuild(), newValidate(), newVerify(), newDoctor(), newDiscover(), newDiff(), newPull(), newLock(), newExpand(), newApply(), newRollback(), newHistory(), newChart(), newOperator(), newSchema(), newVersion())
	return root
}

// runFunction is the KRM function mode. The ResourceList is always written,
// so orchestrators can show the results; errors also go to stderr.
func runFunction(in io.Reader, out, errOut io.Writer) error {
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return fmt.Errorf("no ResourceList on stdin: run `vdirender build DIR|FILE` or pipe a ResourceList in (see --help)")
		}
	}
	return runKRM(fn.Processor{}, in, out, errOut)
}

// runKRM runs a processor on a ResourceList from in; when it fails, the
// errors and warnings also go to errOut for people reading a terminal.
func runKRM(p framework.ResourceListProcessor, in io.Reader, out, errOut io.Writer) error {
	var rl framework.ResourceList
	proc := framework.ResourceListProcessorFunc(func(l *framework.ResourceList) error {
		err := p.Process(l)
		rl = *l
		return err
	})
	err := fn.Execute(proc, in, out, maxInput)
	if err != nil {
		printResults(errOut, rl.Results)
	}
	return err
}

// render builds path for a command: on failure its problems go to stderr
// and nothing else happens; warnings go to stderr too, and, unless quiet,
// what the rules changed (every command that renders shows it).
func render(cmd *cobra.Command, path string, quiet bool) ([]*yaml.RNode, *values.Values, error) {
	items, results, v, err := fn.BuildValues(path)
	if err != nil {
		return nil, nil, reportFailed(cmd.ErrOrStderr(), err)
	}
	printResults(cmd.ErrOrStderr(), onlyWarnings(results))
	if !quiet {
		printChanges(cmd.ErrOrStderr(), results)
	}
	return items, v, nil
}

// clusterFlags are the flags of the commands that talk to a cluster.
type clusterFlags struct{ kubeconfig, context string }

func (f *clusterFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "path to the kubeconfig (default $KUBECONFIG or ~/.kube/config)")
	cmd.Flags().StringVar(&f.context, "context", "", "kubeconfig context to use (default the current one)")
}

// connect says on errOut which API server the command talks to (unless
// what is ""), checks that it answers before anything else, and turns the
// client's errors into one sentence: client-go's own logging (retries,
// "Unhandled Error") is silenced, it would only repeat it.
func (f *clusterFlags) connect(ctx context.Context, errOut io.Writer, what string) (*kubeclient.Client, error) {
	klog.SetLogger(logr.Discard())
	cfg, err := kubeclient.Config(f.kubeconfig, f.context)
	if err != nil {
		return nil, err
	}
	if what != "" {
		fmt.Fprintf(errOut, "%s: API server %s\n", what, cfg.Host)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		// An address that drops packets would otherwise hang for minutes.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, connectTimeout)
		defer cancel()
	}
	if _, err := kube.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw(); err != nil {
		return nil, fmt.Errorf("cannot reach the Kubernetes API server at %s: %s", cfg.Host, unreachable(ctx, err))
	}
	return kubeclient.New(cfg)
}

// connectTimeout bounds the first contact of a command without a --timeout.
const connectTimeout = 30 * time.Second

// unreachable says in a few words why the API server did not answer.
func unreachable(ctx context.Context, err error) string {
	var op *net.OpError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return "no answer before the timeout (--timeout)"
	case errors.As(err, &unknownCA), errors.As(err, &hostname):
		return "its certificate is not trusted (" + err.Error() + "); check the kubeconfig's certificate-authority-data"
	case apierrors.IsUnauthorized(err):
		return "it refused the kubeconfig's credentials (401)"
	case apierrors.IsForbidden(err):
		return "the kubeconfig's user may not read /version (403)"
	case apierrors.IsNotFound(err):
		return "something answers there, but not a Kubernetes API server (no /version)"
	case errors.As(err, &op):
		return op.Err.Error()
	}
	return err.Error()
}

// reportFailed prints the results of a failed rendering and returns err.
func reportFailed(w io.Writer, err error) error {
	var f *fn.Failed
	if errors.As(err, &f) {
		printResults(w, f.Results)
	}
	return err
}

// printResults writes errors and warnings for people, one per line.
func printResults(w io.Writer, results framework.Results) {
	for _, r := range results {
		if r.Severity == framework.Info {
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", r.Severity, describe(r))
	}
}

func describe(r *framework.Result) string {
	s := ""
	if r.File != nil && r.File.Path != "" {
		s += r.File.Path
		if line := r.Tags["line"]; line != "" {
			s += ":" + line
		}
		s += ": "
	}
	// Rule findings name their object; values errors point into the values.
	if ref := r.ResourceRef; ref != nil && r.Tags["rule"] != "" {
		name := ref.Name
		if ref.Namespace != "" {
			name = ref.Namespace + "/" + name
		}
		s += ref.Kind + " " + name + ": "
	}
	if r.Field != nil && r.Field.Path != "" {
		s += r.Field.Path + ": "
	}
	s += r.Message
	if f := r.Field; f != nil {
		switch {
		case f.CurrentValue != nil && f.ProposedValue != nil:
			s += fmt.Sprintf(" (is %v, want %v)", f.CurrentValue, f.ProposedValue)
		case f.CurrentValue != nil:
			s += fmt.Sprintf(" (is %v)", f.CurrentValue)
		case f.ProposedValue != nil:
			s += fmt.Sprintf(" (unset, want %v)", f.ProposedValue)
		}
	}
	return s
}
