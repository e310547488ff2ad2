package cli

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/operator"
)

func newOperator() *cobra.Command {
	o := operator.Options{}
	var gatewayAddr, kubeconfig, logLevel, logFormat string
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Run the VDI operator that serves VDISessions",
		Long: `Run the VDI operator: each VDISession becomes the Pod, PersistentVolumeClaim
and Service of a desktop, built from its VDITemplate with the platform rules,
and its status says what is happening. At their maximum length or idle
timeout sessions end; persistent ones are suspended instead (pod gone, home
kept) and resume when spec.suspend is set false or their user opens them.

The gateway (--gateway-bind-address) is the only way to a desktop: it
forwards /sessions/<namespace>/<name>/ to the session, to its spec.user or the
admin group only, after verifying the OIDC ID token the login puts in the
Authorization header (auth.oidc: issuer, audience, expiry, signature); it
records activity (open streams included), shows a starting page while a
desktop starts and resumes suspended sessions, at most vdi.gateway.resumeBurst
at once per user. session_startup_seconds and vdi_gateway_refusals_total are
exported on the metrics endpoint. This is what the rendered operator
Deployment runs.

--config names the platform's config, the vdi-operator-config ConfigMap the
renderer writes (rules, containerDefaults, gpu node pools and time-slicing,
vdi.sessionDefaults, vdi.gateway, auth.oidc) as mounted by the Deployment. It
is loaded like a values file, so a config the renderer would refuse stops the
operator at start; a changed file applies without a restart, to the next
session at once (its start re-reads the file) and to the gateway within 10 s
(the config watch), and the reload is logged. Without
--config every value has its default, GPU capacity is not judged and no
session can be opened (no login is configured).

Logs are structured (--log-format text or json) on stderr. At info level:
the config loaded and reloaded, each session's phase change with the reason,
warm desktops taken, sessions resumed, refusals of another user's session,
and every error. debug adds each status write and reconcile detail;
warn and error keep only problems.`,
		Example: `  vdirender operator --session-namespace=vdi-sessions --session-host=sessions.kasm.example.com`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logLevel, logFormat)
			if err != nil {
				return err
			}
			// controller-runtime and client-go log through the same handler.
			ctrl.SetLogger(log)
			klog.SetLogger(log)
			cfg, err := kubeclient.Config(kubeconfig, "")
			if err != nil {
				return err
			}
			o.Platform = operator.DefaultConfig()
			if o.ConfigPath != "" {
				if o.Platform, err = operator.LoadConfig(o.ConfigPath, ctrl.Log.WithName("config")); err != nil {
					return err
				}
			}
			mgr, err := operator.NewManager(cfg, o)
			if err != nil {
				return err
			}
			ctx := ctrl.SetupSignalHandler()
			if gatewayAddr != "" && gatewayAddr != "0" {
				gw := &operator.Gateway{Client: mgr.GetClient(), Namespace: o.SessionNamespace, Platform: o.Platform, Now: time.Now, Log: ctrl.Log.WithName("gateway")}
				srv := &http.Server{Addr: gatewayAddr, Handler: gw, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
				go func() {
					if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
						ctrl.Log.Error(err, "gateway")
					}
				}()
				go func() { <-ctx.Done(); _ = srv.Shutdown(context.Background()) }()
			}
			return mgr.Start(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.SessionNamespace, "session-namespace", "vdi-sessions", "namespace of the sessions")
	f.StringVar(&o.SessionHost, "session-host", "", "host name sessions are served on")
	// Sessions are routed through the gateway now; older manifests still
	// pass the entrypoints of the per-session routes.
	f.StringSlice("entrypoints", nil, "ignored")
	_ = f.MarkDeprecated("entrypoints", "sessions are routed through the gateway; the flag is ignored")
	f.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8080", "metrics endpoint address (0 disables)")
	f.StringVar(&gatewayAddr, "gateway-bind-address", ":8081", "session gateway address (0 disables)")
	f.StringVar(&o.HealthAddr, "health-probe-bind-address", ":8082", "health probe address")
	f.BoolVar(&o.LeaderElection, "leader-elect", false, "elect one active operator among replicas")
	f.StringVar(&o.LeaderNamespace, "leader-election-namespace", "", "namespace of the leader lease (default: the pod's)")
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig outside a cluster")
	f.StringVar(&logLevel, "log-level", "info", "least severe level logged: debug, info, warn or error")
	f.StringVar(&logFormat, "log-format", "text", "text (key=value) or json")
	f.StringVar(&o.ConfigPath, "config", "", "platform config file (data[values.yaml] of the vdi-operator-config ConfigMap)")
	return cmd
}
