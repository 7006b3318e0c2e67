package slometrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-slo/otelcol-slo/internal/benchdata"
	"github.com/otelcol-slo/otelcol-slo/internal/benchdata/objectives"
	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/slometrics"
)

// BenchmarkFlush is one flush of the connector: engine.Snapshot (sums every
// ring, derives every window, evaluates every alert tier) and Build (the
// OTLP metrics), for 1,000 and 10,000 series of the ten preset objectives.
// Every series has seen events in every window (their spans end within the
// last 4 minutes), so every window's slo.sli and slo.burn_rate points are
// emitted: the largest flush for that many series. It reports ms/flush,
// the part of it engine.Snapshot takes (ms/snapshot), ns/series and the data
// points built.
func BenchmarkFlush(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			now := time.Now()
			services := benchdata.DefaultServices
			objs := objectives.Presets(services)
			// Each (service, route) pair is the group of two objectives.
			routes := n / len(objs)
			cfg := objectives.Config(objs, n)
			compiled, settings, err := cfg.Compile(componenttest.NewNopTelemetrySettings())
			require.NoError(b, err)
			e, err := engine.New(compiled, settings)
			require.NoError(b, err)
			g := benchdata.NewGenerator(benchdata.Config{
				Services: services, NumRoutes: routes, SequentialRoutes: true,
				ClientShare: -1, Spread: 4 * time.Minute, Now: now,
			})
			// Three events per series.
			batches := 3 * len(services) * routes / g.Config().SpansPerBatch
			for i := range batches + 1 {
				e.ConsumeTraces(context.Background(), g.Batch(i), now, nil)
			}
			require.Equal(b, int64(n), e.Stats().ActiveSeries)
			builder := slometrics.NewBuilder("bench", "0", pmetric.AggregationTemporalityCumulative)
			points := 0
			var snapshot time.Duration
			b.ResetTimer()
			for b.Loop() {
				begin := time.Now()
				snap := e.Snapshot(now)
				snapshot += time.Since(begin)
				points = builder.Build(snap).DataPointCount()
			}
			perFlush := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perFlush/1e6, "ms/flush")
			b.ReportMetric(float64(snapshot.Nanoseconds())/float64(b.N)/1e6, "ms/snapshot")
			b.ReportMetric(perFlush/float64(n), "ns/series")
			b.ReportMetric(float64(points), "points")
		})
	}
}
