// Package charts is the engine's sub-chart stage: vendored chart archives
// are checked as untrusted input, verified against the package's lock and
// rendered in-process, so that their objects pass the platform rules like
// every other object.
package charts
