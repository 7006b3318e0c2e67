package sloprocessor

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-slo/otelcol-slo/processor/sloprocessor/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(t, "annotate")
	require.NoError(t, err)
	assert.True(t, cfg.Annotate)
	assert.Equal(t, 10*time.Second, cfg.EvaluationInterval.Std())
	assert.Equal(t, 100, cfg.MaxSeries)
	require.Len(t, cfg.Objectives, 2)

	cfg, err = loadConfig(t, "passthrough")
	require.NoError(t, err)
	assert.False(t, cfg.Annotate)
	assert.Equal(t, 15*time.Second, cfg.EvaluationInterval.Std())

	_, err = loadConfig(t, "invalid")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "evaluation_interval: must be positive, got 0s\n")
	assert.Contains(t, err.Error(), `objective "bad": indicator.bad: OTTL condition "attributes[\"x\"] ==" does not parse: `)
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// checkoutTraces has four spans of service checkout: a fast good server
// span, a slow one, a 503 one and a client span, plus a server span of
// another service.
func checkoutTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	add := func(name string, kind ptrace.SpanKind, length time.Duration, status int64) {
		span := spans.AppendEmpty()
		span.SetName(name)
		span.SetKind(kind)
		end := testNow.Add(-time.Minute)
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-length)))
		span.Attributes().PutInt("http.response.status_code", status)
	}
	add("fast", ptrace.SpanKindServer, 100*time.Millisecond, 200)
	add("slow", ptrace.SpanKindServer, time.Second, 200)
	add("failed", ptrace.SpanKindServer, 100*time.Millisecond, 503)
	add("client", ptrace.SpanKindClient, 100*time.Millisecond, 503)
	other := td.ResourceSpans().AppendEmpty()
	other.Resource().Attributes().PutStr("service.name", "search")
	span := other.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("search")
	span.SetKind(ptrace.SpanKindServer)
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(testNow))
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(testNow.Add(-time.Millisecond)))
	return td
}

func newProcessor(t *testing.T, cfg *Config, sink *consumertest.TracesSink) (processor.Traces, *sloProcessor) {
	t.Helper()
	p, err := newSLOProcessor(processortest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	p.runtime.Now = func() time.Time { return testNow }
	traces, err := createTracesWith(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink, p)
	require.NoError(t, err)
	return traces, p
}

func spanAttributes(td ptrace.Traces) map[string]map[string]any {
	out := map[string]map[string]any{}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		spans := td.ResourceSpans().At(i).ScopeSpans().At(0).Spans()
		for j := 0; j < spans.Len(); j++ {
			out[spans.At(j).Name()] = spans.At(j).Attributes().AsRaw()
		}
	}
	return out
}

func TestAnnotate(t *testing.T) {
	cfg, err := loadConfig(t, "annotate")
	require.NoError(t, err)
	sink := &consumertest.TracesSink{}
	traces, p := newProcessor(t, cfg, sink)
	require.True(t, traces.Capabilities().MutatesData)
	require.NoError(t, traces.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, traces.Shutdown(context.Background())) }()

	require.NoError(t, traces.ConsumeTraces(context.Background(), checkoutTraces()))
	require.Len(t, sink.AllTraces(), 1)
	got := spanAttributes(sink.AllTraces()[0])
	both := "checkout-availability,checkout-latency"
	assert.Equal(t, map[string]any{"http.response.status_code": int64(200),
		AttrName: both, AttrOutcome: "good", AttrBurning: false}, got["fast"])
	// Slow is bad for latency only; one bad objective makes the span bad.
	assert.Equal(t, map[string]any{"http.response.status_code": int64(200),
		AttrName: both, AttrOutcome: "bad", AttrBurning: false}, got["slow"])
	assert.Equal(t, map[string]any{"http.response.status_code": int64(503),
		AttrName: both, AttrOutcome: "bad", AttrBurning: false}, got["failed"])
	// Not eligible: left alone.
	assert.Equal(t, map[string]any{"http.response.status_code": int64(503)}, got["client"])
	assert.Empty(t, got["search"])

	// 1 bad of 3 at 99% burns at 33x over every window: once the alerts are
	// evaluated, every workbook tier of the 1d period fires and new spans
	// carry slo.burning=true.
	p.evaluate(context.Background())
	require.NoError(t, traces.ConsumeTraces(context.Background(), checkoutTraces()))
	got = spanAttributes(sink.AllTraces()[1])
	assert.Equal(t, true, got["fast"][AttrBurning])
	assert.Equal(t, "good", got["fast"][AttrOutcome])
}

func TestPassThroughLeavesSpansUnchanged(t *testing.T) {
	cfg, err := loadConfig(t, "passthrough")
	require.NoError(t, err)
	sink := &consumertest.TracesSink{}
	traces, p := newProcessor(t, cfg, sink)
	require.False(t, traces.Capabilities().MutatesData)
	require.NoError(t, traces.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, traces.Shutdown(context.Background())) }()

	want := checkoutTraces()
	require.NoError(t, traces.ConsumeTraces(context.Background(), checkoutTraces()))
	require.Len(t, sink.AllTraces(), 1)
	assert.Equal(t, want, sink.AllTraces()[0])
	// The spans were still evaluated: all five are eligible for "any".
	stats := p.runtime.Engine.Stats()
	assert.Equal(t, int64(5), stats.Objectives[0].Eligible)
}

func TestShutdownWithoutStartAndTwice(t *testing.T) {
	cfg, err := loadConfig(t, "passthrough")
	require.NoError(t, err)
	traces, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, traces.Shutdown(context.Background()))
	require.NoError(t, traces.Shutdown(context.Background()))
}
