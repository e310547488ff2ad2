package generators

import (
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/internal/apis/prometheus"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// pauseImage keeps a pre-pull pod alive once its init containers pulled.
const pauseImage = "registry.k8s.io/pause:3.10"

// Monitoring renders, when the values ask for them, the alert on session
// start-up time and the image pre-pull DaemonSet.
func Monitoring(v *values.Values) []any {
	var out []any
	if v.VDI.Monitoring.Enabled {
		out = append(out, &prometheus.PrometheusRule{
			TypeMeta:   typeMeta(prometheus.APIVersion, "PrometheusRule"),
			ObjectMeta: meta("vdi-session-startup", v.VDI.Namespace, "monitoring"),
			Spec: prometheus.RuleSpec{Groups: []prometheus.RuleGroup{{
				Name: "vdi-sessions",
				Rules: []prometheus.Rule{{
					Alert:  "VDISessionStartupSlow",
					Expr:   intstr.FromString("histogram_quantile(0.95, sum(rate(session_startup_seconds_bucket[10m])) by (le)) > 30"),
					For:    "10m",
					Labels: map[string]string{"severity": "warning"},
					Annotations: map[string]string{
						"summary":     "Desktop sessions take more than 30 s to start",
						"description": "The 95th percentile of session_startup_seconds is above 30 s: check GPU time-slices (vdirender doctor) and image pulls (vdi.prepull).",
					},
				}, {
					// A pool that should hold desktops and has none Ready
					// sends every session down the cold path.
					Alert:  "VDIWarmPoolEmpty",
					Expr:   intstr.FromString("vdi_warm_pool_desired > 0 and vdi_warm_pool_ready == 0"),
					For:    "10m",
					Labels: map[string]string{"severity": "warning"},
					Annotations: map[string]string{
						"summary":     "The warm pool of template {{ $labels.template }} has had no Ready desktop for 10 minutes",
						"description": "Sessions of the template start cold (status.startPath says why). Check that its desktops schedule (GPU time-slices: vdirender doctor) and become Ready (kubectl get pods -l vdi.vdirender.dev/warm=true).",
					},
				}},
			}}},
		})
	}
	if v.VDI.Prepull.Enabled && len(v.VDI.Templates) > 0 {
		out = append(out, prepull(v))
	}
	return out
}

// prepull pulls every template image on every GPU node: each image is an
// init container that exits at once, so the image stays in the node's cache
// and IfNotPresent starts sessions without a pull.
func prepull(v *values.Values) *appsv1.DaemonSet {
	sorted := prepullImages(v)
	small := corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
	}
	var inits []corev1.Container
	for i, img := range sorted {
		inits = append(inits, corev1.Container{
			Name: "pull-" + strconv.Itoa(i), Image: img, ImagePullPolicy: v.Global.Image.PullPolicy,
			Command: []string{"/bin/sh", "-c", "exit 0"}, Resources: small,
		})
	}
	labels := map[string]string{NameLabel: prepullName, ComponentLabel: "prepull"}
	return &appsv1.DaemonSet{
		TypeMeta:   typeMeta("apps/v1", "DaemonSet"),
		ObjectMeta: meta(prepullName, v.VDI.SessionNamespace, "prepull"),
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: ptr.To(false),
					InitContainers:               inits,
					Containers:                   []corev1.Container{{Name: "pause", Image: pauseImage, ImagePullPolicy: v.Global.Image.PullPolicy, Resources: small}},
					Tolerations:                  []corev1.Toleration{{Key: string(platform.GPUResource), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
						NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: platform.CountLabel, Operator: corev1.NodeSelectorOpExists}}}},
					}}},
				},
			},
		},
	}
}

// prepullImages are the templates' images, each once, in order: one init
// container of the prepull DaemonSet each.
func prepullImages(v *values.Values) []string {
	images := map[string]bool{}
	for _, t := range v.VDI.Templates {
		images[t.Image] = true
	}
	sorted := make([]string, 0, len(images))
	for img := range images {
		sorted = append(sorted, img)
	}
	sort.Strings(sorted)
	return sorted
}

// prepullName names the prepull DaemonSet.
const prepullName = "vdi-image-prepull"
