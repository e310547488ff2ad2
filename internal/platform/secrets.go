package platform

import "fmt"

// SecretNeed is a Secret the platform reads that nothing renders: its
// user creates it (vdirender never renders secret material). verify
// checks that each is there, of its type, with every key.
type SecretNeed struct {
	Namespace, Name string
	// Type is the Secret's type, or "" when any type does.
	Type string
	// Keys must all be present and non-empty.
	Keys []string
	// ReadBy says who reads it and why, for the message.
	ReadBy string
}

func (s SecretNeed) String() string { return fmt.Sprintf("Secret %s/%s", s.Namespace, s.Name) }
