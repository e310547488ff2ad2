package generators

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// Sessions renders a VDITemplate per template and a VDISession per
// persistent session, in the session namespace.
func Sessions(v *values.Values) []any {
	var out []any
	for _, t := range v.VDI.Templates {
		out = append(out, template(v, t))
	}
	for _, s := range v.VDI.Sessions {
		m := meta(s.Name, v.VDI.SessionNamespace, "session")
		m.Labels[platform.UserLabel] = platform.LabelValue(s.User)
		m.Labels["vdi.vdirender.dev/template"] = s.Template
		out = append(out, &v1alpha1.VDISession{
			TypeMeta:   typeMeta(v1alpha1.APIVersion, v1alpha1.SessionKind),
			ObjectMeta: m,
			Spec:       v1alpha1.VDISessionSpec{Template: s.Template, User: s.User, Persistent: true},
		})
	}
	return out
}

func template(v *values.Values, t values.Template) *v1alpha1.VDITemplate {
	spec := v1alpha1.VDITemplateSpec{
		DisplayName:      t.DisplayName,
		Image:            t.Image,
		ImagePullPolicy:  v.Global.Image.PullPolicy,
		Resources:        v1alpha1.ResourceRequirements{Limits: t.Resources.Limits, Requests: t.Resources.Requests},
		Streaming:        v1alpha1.Streaming{Protocol: t.Streaming.Protocol, Port: t.Streaming.Port, Encoder: t.Streaming.Encoder},
		IdleTimeout:      duration(t.IdleTimeout),
		MaxSessionLength: duration(t.MaxSessionLength),
	}
	for _, e := range t.Env {
		env := v1alpha1.EnvVar{Name: e.Name}
		if e.Value != nil {
			env.Value = *e.Value
		}
		if f := e.ValueFrom; f != nil {
			env.ValueFrom = &v1alpha1.EnvVarSource{}
			if r := f.SecretKeyRef; r != nil {
				env.ValueFrom.SecretKeyRef = &v1alpha1.KeyRef{Name: r.Name, Key: r.Key}
			}
			if r := f.ConfigMapKeyRef; r != nil {
				env.ValueFrom.ConfigMapKeyRef = &v1alpha1.KeyRef{Name: r.Name, Key: r.Key}
			}
		}
		spec.Env = append(spec.Env, env)
	}
	if t.Storage != nil {
		spec.Storage = &v1alpha1.Storage{Size: *t.Storage.Size, MaxSize: t.Storage.MaxSize, MountPath: t.Storage.MountPath, StorageClassName: platform.StorageClass}
	}
	spec.WarmPool = t.WarmPool
	if t.NodePool != "" {
		// gpu-operator reads this label to pick the pool's time-slicing config,
		// so it also tells which nodes belong to the pool.
		spec.NodeSelector = map[string]string{platform.PoolLabel: t.NodePool}
	}
	if t.GPUs() > 0 {
		spec.RuntimeClassName = ptr.To(platform.RuntimeClass)
		spec.Tolerations = []v1alpha1.Toleration{{Key: string(platform.GPUResource), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	}
	return &v1alpha1.VDITemplate{
		TypeMeta:   typeMeta(v1alpha1.APIVersion, v1alpha1.TemplateKind),
		ObjectMeta: meta(t.Name, v.VDI.SessionNamespace, "template"),
		Spec:       spec,
	}
}

// duration parses a duration the schema has already checked.
func duration(s string) *metav1.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		return nil
	}
	return &metav1.Duration{Duration: d}
}
