package sloconnector

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/connector/sloconnector/internal/metadata"
	"github.com/otelcol-slo/otelcol-slo/internal/benchdata"
	"github.com/otelcol-slo/otelcol-slo/internal/benchdata/objectives"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// The side-by-side benchmarks of the issue "Fast enough to sit in every
// traces pipeline": the same batches (internal/benchdata) through
//
//   - floor: benchdata.Touch, which reads exactly the fields the engine needs
//     and does nothing else;
//   - slo_presets: the slo connector, through its factory, with the ten
//     preset objectives (availability and latency of five services' server
//     spans, grouped by http.route);
//   - slo_ottl: the same objectives with OTTL eligibility conditions and OTTL
//     indicators;
//   - spanmetrics: the contrib spanmetrics connector v0.161.0 with http.route
//     as its extra dimension and its default histogram.
//
// cmd/benchreport turns the figures into the ratios the targets are written in.
func BenchmarkConsumeTraces(b *testing.B) {
	data := benchdata.Generate(benchdata.Default())
	ctx := context.Background()

	b.Run("floor", func(b *testing.B) {
		var sink uint64
		benchdata.Measure(b, data, func(td ptrace.Traces) { sink += benchdata.Touch(td) })
		if sink == 0 {
			b.Fatal("touched nothing")
		}
	})
	b.Run("slo_presets", func(b *testing.B) {
		c := newBenchConnector(b, objectives.Presets(nil))
		benchdata.Measure(b, data, func(td ptrace.Traces) { _ = c.ConsumeTraces(ctx, td) })
	})
	b.Run("slo_ottl", func(b *testing.B) {
		c := newBenchConnector(b, objectives.OTTL(nil))
		benchdata.Measure(b, data, func(td ptrace.Traces) { _ = c.ConsumeTraces(ctx, td) })
	})
	b.Run("spanmetrics", func(b *testing.B) {
		c := newSpanmetrics(b)
		benchdata.Measure(b, data, func(td ptrace.Traces) { _ = c.ConsumeTraces(ctx, td) })
	})
}

// newBenchConnector creates the slo connector through its factory, as the
// collector does. It is not started: the flush loop would only add noise; the
// flush is measured on its own (internal/slometrics).
func newBenchConnector(tb testing.TB, objs []sloconfig.Objective) connector.Traces {
	tb.Helper()
	factory := NewFactory()
	cfg := factory.CreateDefaultConfig().(*Config)
	cfg.Config = objectives.Config(objs, 0)
	require.NoError(tb, cfg.Validate())
	c, err := factory.CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(metadata.Type), cfg, new(consumertest.MetricsSink))
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, c.Shutdown(context.Background())) })
	return c
}

func newSpanmetrics(tb testing.TB) connector.Traces {
	tb.Helper()
	factory := spanmetricsconnector.NewFactory()
	cfg := factory.CreateDefaultConfig().(*spanmetricsconnector.Config)
	cfg.Dimensions = []spanmetricsconnector.Dimension{{Name: "http.route"}}
	c, err := factory.CreateTracesToMetrics(context.Background(),
		connectortest.NewNopSettings(component.MustNewType("spanmetrics")), cfg, new(consumertest.MetricsSink))
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, c.Shutdown(context.Background())) })
	return c
}

// TestPresetConnectorAllocatesNothingPerSpan holds the zero-allocation target
// on the connector path: once a batch's series exist, consuming it again
// allocates nothing. testing.AllocsPerRun counts mallocs, so unlike a timing
// this does not depend on the machine.
func TestPresetConnectorAllocatesNothingPerSpan(t *testing.T) {
	data := benchdata.Generate(benchdata.Config{Batches: 4})
	c := newBenchConnector(t, objectives.Presets(nil))
	ctx := context.Background()
	for _, td := range data.Batches {
		require.NoError(t, c.ConsumeTraces(ctx, td))
	}
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		_ = c.ConsumeTraces(ctx, data.Batches[i%len(data.Batches)])
		i++
	})
	require.Zerof(t, allocs, "allocations per batch of %d spans in steady state", data.SpansPerBatch())
}
