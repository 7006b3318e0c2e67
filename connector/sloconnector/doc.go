//go:generate make -C ../.. generate

// Package sloconnector is the slo connector: it sits at the end of a traces
// pipeline, evaluates every span against the configured service level
// objectives and emits SLI, error-budget, burn-rate and alert metrics into a
// metrics pipeline.
package sloconnector // import "github.com/otelcol-slo/otelcol-slo/connector/sloconnector"
