package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"
)

func TestParseFlags(t *testing.T) {
	cfg, asJSON, err := parseFlags([]string{
		"-endpoint", "collector:4317",
		"-rate", "500",
		"-spans", "10000",
		"-duration", "2m",
		"-batch", "50",
		"-workers", "4",
		"-services", "a, b,,c",
		"-routes", "/x,/users/{id}",
		"-error-ratio", "0.01",
		"-latency-median", "20ms",
		"-latency-p99", "200ms",
		"-burst", "60s:30s:0.5",
		"-burst", "5m:1m:1",
		"-kind", "client",
		"-seed", "9",
		"-json",
	}, io.Discard)
	require.NoError(t, err)
	assert.True(t, asJSON)
	assert.Equal(t, "collector:4317", cfg.Endpoint)
	assert.Equal(t, 500.0, cfg.Rate)
	assert.Equal(t, int64(10000), cfg.Spans)
	assert.Equal(t, 2*time.Minute, cfg.Duration)
	assert.Equal(t, 50, cfg.BatchSize)
	assert.Equal(t, 4, cfg.Workers)
	assert.Equal(t, []string{"a", "b", "c"}, cfg.Services)
	assert.Equal(t, []string{"/x", "/users/{id}"}, cfg.Routes)
	assert.Equal(t, 0.01, cfg.ErrorRatio)
	assert.Equal(t, loadgen.LatencyConfig{Median: 20 * time.Millisecond, P99: 200 * time.Millisecond}, cfg.Latency)
	assert.Equal(t, []loadgen.Burst{
		{Start: time.Minute, Length: 30 * time.Second, ErrorRatio: 0.5},
		{Start: 5 * time.Minute, Length: time.Minute, ErrorRatio: 1},
	}, cfg.Bursts)
	assert.Equal(t, ptrace.SpanKindClient, cfg.Kind)
	assert.Equal(t, int64(9), cfg.Seed)
}

func TestParseFlagsErrors(t *testing.T) {
	tests := map[string][]string{
		"want start:length:error-ratio": {"-burst", "60s:30s"},
		"length":                        {"-burst", "60s:x:0.5"},
		"bursts[0] error ratio":         {"-burst", "60s:30s:2"},
		"invalid -kind":                 {"-kind", "sideways"},
		"unexpected arguments":          {"extra"},
		"error ratio":                   {"-error-ratio", "-0.1"},
	}
	for want, args := range tests {
		t.Run(want, func(t *testing.T) {
			_, _, err := parseFlags(args, io.Discard)
			assert.ErrorContains(t, err, want)
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := lis.Addr().String()
	require.NoError(t, lis.Close())

	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-endpoint", endpoint, "-spans", "200", "-json"}, &stdout, &stderr)
	assert.Equal(t, exitNotAccepted, code, "spans that failed must fail the command")
	var res loadgen.Result
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	assert.Equal(t, int64(200), res.Sent)
	assert.Equal(t, int64(200), res.Errors)
	assert.Contains(t, stderr.String(), "200 spans failed")

	stdout.Reset()
	assert.Equal(t, exitUsage, run(t.Context(), []string{"-batch", "-1"}, &stdout, io.Discard))
	assert.Empty(t, stdout.String())
	assert.Equal(t, 0, run(t.Context(), []string{"-h"}, &stdout, io.Discard))
}
