// Package k3s holds the K3s helm-controller kinds (helm.cattle.io/v1) that
// vdirender emits. Only the long-standing fields are restated, so the output
// works on every K3s from v1.30 on.
package k3s

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// APIVersion of HelmChart and HelmChartConfig.
const APIVersion = "helm.cattle.io/v1"

// Namespace where K3s keeps its HelmCharts.
const Namespace = "kube-system"

// HelmChart installs a chart with the embedded helm-controller.
type HelmChart struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              HelmChartSpec `json:"spec"`
}

// HelmChartSpec pins a chart: repo, name and exact version.
type HelmChartSpec struct {
	TargetNamespace string           `json:"targetNamespace,omitempty"`
	CreateNamespace bool             `json:"createNamespace,omitempty"`
	Chart           string           `json:"chart"`
	Version         string           `json:"version,omitempty"`
	Repo            string           `json:"repo,omitempty"`
	ValuesContent   string           `json:"valuesContent,omitempty"`
	Timeout         *metav1.Duration `json:"timeout,omitempty"`
	FailurePolicy   string           `json:"failurePolicy,omitempty"`
}

// HelmChartConfig overrides the values of the HelmChart with its name and
// namespace; it is how K3s's packaged Traefik is customised.
type HelmChartConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              HelmChartConfigSpec `json:"spec"`
}

// HelmChartConfigSpec holds the extra values.
type HelmChartConfigSpec struct {
	ValuesContent string `json:"valuesContent,omitempty"`
}
