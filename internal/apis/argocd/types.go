// Package argocd holds the part of Argo CD's Application
// (argoproj.io/v1alpha1) that vdirender writes; Argo CD's Go modules are
// not served here. Field names are Argo CD's.
package argocd

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Application is an Argo CD Application.
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ApplicationSpec `json:"spec"`
}

// ApplicationSpec is where the manifests come from and go to.
type ApplicationSpec struct {
	Project     string               `json:"project"`
	Source      ApplicationSource    `json:"source"`
	Destination Destination          `json:"destination"`
	SyncPolicy  *SyncPolicy          `json:"syncPolicy,omitempty"`
	Ignore      []ResourceIgnoreDiff `json:"ignoreDifferences,omitempty"`
}

// ApplicationSource is a path of a repository, rendered by a plugin.
type ApplicationSource struct {
	RepoURL        string  `json:"repoURL"`
	TargetRevision string  `json:"targetRevision,omitempty"`
	Path           string  `json:"path"`
	Plugin         *Plugin `json:"plugin,omitempty"`
}

// Plugin names a config-management plugin.
type Plugin struct {
	Name string `json:"name"`
}

// Destination is the cluster.
type Destination struct {
	Server string `json:"server"`
}

// SyncPolicy says how Argo CD syncs.
type SyncPolicy struct {
	Automated   *Automated `json:"automated,omitempty"`
	SyncOptions []string   `json:"syncOptions,omitempty"`
}

// Automated sync.
type Automated struct {
	Prune    bool `json:"prune"`
	SelfHeal bool `json:"selfHeal"`
}

// ResourceIgnoreDiff leaves fields out of the diff.
type ResourceIgnoreDiff struct {
	Group        string   `json:"group,omitempty"`
	Kind         string   `json:"kind"`
	JSONPointers []string `json:"jsonPointers,omitempty"`
}
