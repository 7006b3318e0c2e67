//go:generate make -C ../.. generate

// Package sloprocessor is the slo processor: it sits inside a traces
// pipeline, before any sampler, evaluates every span against the same
// objectives as the slo connector and passes every span on. With annotate it
// stamps eligible spans with their outcome and their series' burn state, so
// that a tail-sampling policy can keep every bad trace while a budget burns.
package sloprocessor // import "github.com/otelcol-slo/otelcol-slo/processor/sloprocessor"
