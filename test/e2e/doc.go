// Package e2e runs the built otelcol-slo distribution as a real process: OTLP
// spans go in over gRPC, SLO metrics come out of its Prometheus endpoint.
//
// The tests need the binary: `make test` builds it and passes its path in
// OTELCOL_SLO_BINARY. Without it they are skipped, except under CI, where a
// missing binary fails them; -short (make test-unit) skips them too.
package e2e
