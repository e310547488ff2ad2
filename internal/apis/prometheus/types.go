// Package prometheus holds the prometheus-operator PrometheusRule kind
// (monitoring.coreos.com/v1), restated with the upstream JSON names.
package prometheus

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// APIVersion of PrometheusRule.
const APIVersion = "monitoring.coreos.com/v1"

// PrometheusRule holds alerting rules.
type PrometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              RuleSpec `json:"spec"`
}

// RuleSpec groups the rules.
type RuleSpec struct {
	Groups []RuleGroup `json:"groups"`
}

// RuleGroup is one group of rules.
type RuleGroup struct {
	Name  string `json:"name"`
	Rules []Rule `json:"rules"`
}

// Rule is one alert.
type Rule struct {
	Alert       string             `json:"alert"`
	Expr        intstr.IntOrString `json:"expr"`
	For         string             `json:"for,omitempty"`
	Labels      map[string]string  `json:"labels,omitempty"`
	Annotations map[string]string  `json:"annotations,omitempty"`
}
