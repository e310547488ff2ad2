// Package kpt holds the part of kpt's Kptfile (kpt.dev/v1) that vdirender
// writes; kpt's own Go module is not served here. Field names are kpt's.
package kpt

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Kptfile is a package's Kptfile.
type Kptfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Info              *PackageInfo `json:"info,omitempty"`
	Pipeline          *Pipeline    `json:"pipeline,omitempty"`
}

// PackageInfo describes the package.
type PackageInfo struct {
	Description string `json:"description,omitempty"`
}

// Pipeline is what kpt fn render runs.
type Pipeline struct {
	Mutators   []Function `json:"mutators,omitempty"`
	Validators []Function `json:"validators,omitempty"`
}

// Function is one step: an image or an executable, with its config file.
type Function struct {
	Image      string `json:"image,omitempty"`
	Exec       string `json:"exec,omitempty"`
	ConfigPath string `json:"configPath,omitempty"`
}
