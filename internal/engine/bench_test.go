package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/internal/benchdata"
	"github.com/otelcol-slo/otelcol-slo/internal/benchdata/objectives"
	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

// newEngine compiles objectives as the faces do and returns their engine.
func newEngine(tb testing.TB, objs []sloconfig.Objective, maxSeries int) *engine.Engine {
	tb.Helper()
	cfg := objectives.Config(objs, maxSeries)
	compiled, settings, err := cfg.Compile(componenttest.NewNopTelemetrySettings())
	require.NoError(tb, err)
	e, err := engine.New(compiled, settings)
	require.NoError(tb, err)
	return e
}

// consumer returns the engine's ConsumeTraces at the data's clock.
func consumer(e *engine.Engine, now time.Time) func(ptrace.Traces) {
	ctx := context.Background()
	return func(td ptrace.Traces) { e.ConsumeTraces(ctx, td, now, nil) }
}

// anyService returns n objectives on the server spans of every service,
// availability and latency in turn, grouped by http.route.
func anyService(n int) []sloconfig.Objective {
	presets := objectives.Presets([]string{"any"})
	out := make([]sloconfig.Objective, n)
	for i := range out {
		out[i] = presets[i%2]
		out[i].Name = "objective-" + strconv.Itoa(i)
		out[i].Service = ""
	}
	return out
}

// BenchmarkEngine is the engine alone on the shared data with the ten preset
// objectives, the connector's figure without the factory and the clock; and
// on live spans (presets_live): the same spans, all ending within the last
// five seconds, in now's bucket of every window, as spans reach a collector
// straight from their services.
func BenchmarkEngine(b *testing.B) {
	data := benchdata.Generate(benchdata.Default())
	b.Run("presets", func(b *testing.B) {
		e := newEngine(b, objectives.Presets(nil), 0)
		benchdata.Measure(b, data, consumer(e, data.Config.Now))
	})
	b.Run("presets_live", func(b *testing.B) {
		// Every default bucket is a multiple of 5s: none ends in the 5s after
		// a 5s boundary.
		edge := time.Now().Truncate(5 * time.Second)
		cfg := benchdata.Default()
		cfg.Now, cfg.Spread = edge.Add(4900*time.Millisecond), 4800*time.Millisecond
		live := benchdata.Generate(cfg)
		e := newEngine(b, objectives.Presets(nil), 0)
		benchdata.Measure(b, live, consumer(e, live.Config.Now))
	})
	b.Run("ottl", func(b *testing.B) {
		e := newEngine(b, objectives.OTTL(nil), 0)
		benchdata.Measure(b, data, consumer(e, data.Config.Now))
	})
}

// BenchmarkObjectives is the per-span cost with 1, 10 and 100 objectives that
// every server span matches, and with 100 objectives that no span reaches
// because their service or their kind is not the span's, which the service
// and kind index should make nearly free.
func BenchmarkObjectives(b *testing.B) {
	data := benchdata.Generate(benchdata.Default())
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("matching=%d", n), func(b *testing.B) {
			e := newEngine(b, anyService(n), 100*len(benchdata.DefaultRoutes))
			benchdata.Measure(b, data, consumer(e, data.Config.Now))
		})
	}
	b.Run("filtered_by_service=100", func(b *testing.B) {
		objs := anyService(100)
		for i := range objs {
			objs[i].Service = "elsewhere-" + strconv.Itoa(i)
		}
		e := newEngine(b, objs, 0)
		benchdata.Measure(b, data, consumer(e, data.Config.Now))
	})
	b.Run("filtered_by_kind=100", func(b *testing.B) {
		objs := anyService(100)
		for i := range objs {
			objs[i].Spans.Kind = "consumer"
		}
		e := newEngine(b, objs, 0)
		benchdata.Measure(b, data, consumer(e, data.Config.Now))
	})
}

// seriesData is one service's server spans over n routes: batches with
// routes at random, and a generator that visits every route in turn.
func seriesData(n int, now time.Time) (*benchdata.Data, *benchdata.Generator) {
	cfg := benchdata.Config{Services: []string{"frontend"}, NumRoutes: n, ClientShare: -1, Now: now}
	warm := cfg
	warm.SequentialRoutes = true
	return benchdata.Generate(cfg), benchdata.NewGenerator(warm)
}

// createSeries feeds the generator's batches until n series exist, one
// batch at a time, and returns the live heap they added per series.
func createSeries(tb testing.TB, e *engine.Engine, g *benchdata.Generator, n int) float64 {
	tb.Helper()
	now := g.Config().Now
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	batches := (n + g.Config().SpansPerBatch - 1) / g.Config().SpansPerBatch
	for i := range batches {
		e.ConsumeTraces(context.Background(), g.Batch(i), now, nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	require.Equal(tb, int64(n), e.Stats().ActiveSeries)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// BenchmarkSeries is the per-span cost when 1k, 10k or 100k series exist and
// spans pick one at random, and the memory each series takes with the
// default windows and a 30d period ("B/series": live heap after creating them,
// divided by their number: rings, group values, map entry and all).
func BenchmarkSeries(b *testing.B) {
	now := time.Now()
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			data, warm := seriesData(n, now)
			objs := objectives.Presets([]string{"frontend"})[:1]
			e := newEngine(b, objs, n)
			perSeries := createSeries(b, e, warm, n)
			benchdata.Measure(b, data, consumer(e, now))
			b.ReportMetric(perSeries, "B/series")
		})
	}
}

// TestEngineAllocatesNothingPerSpan holds the zero-allocation target on the
// engine: once the series exist, evaluating the ten preset objectives
// allocates nothing, whatever the span. AllocsPerRun counts mallocs, so this
// does not depend on the machine.
func TestEngineAllocatesNothingPerSpan(t *testing.T) {
	data := benchdata.Generate(benchdata.Config{Batches: 4})
	e := newEngine(t, objectives.Presets(nil), 0)
	consume := consumer(e, data.Config.Now)
	for _, td := range data.Batches {
		consume(td)
	}
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		consume(data.Batches[i%len(data.Batches)])
		i++
	})
	require.Zerof(t, allocs, "allocations per batch of %d spans in steady state", data.SpansPerBatch())
	require.Positive(t, e.Stats().Objectives[0].Counted)
}

// maxBytesPerSeries is the memory target of one series with the default
// windows and a 30d period (DESIGN.md: "fits in 16 KiB").
const maxBytesPerSeries = 16 * 1024

// TestSeriesFitSixteenKiB holds the memory target twice: the rings' layout
// size, and the live heap 10,000 real series take, everything included.
func TestSeriesFitSixteenKiB(t *testing.T) {
	period := 30 * duration.Day
	var windows []time.Duration
	for _, w := range engine.DefaultWindows() {
		if w < period {
			windows = append(windows, w)
		}
	}
	layout, err := window.NewLayout(append(windows, period))
	require.NoError(t, err)
	require.LessOrEqual(t, layout.SizeBytes(), maxBytesPerSeries)

	const n = 10000
	_, warm := seriesData(n, time.Now())
	e := newEngine(t, objectives.Presets([]string{"frontend"})[:1], n)
	perSeries := createSeries(t, e, warm, n)
	t.Logf("rings %d B, measured %.0f B per series", layout.SizeBytes(), perSeries)
	require.LessOrEqual(t, perSeries, float64(maxBytesPerSeries))
	require.GreaterOrEqual(t, perSeries, float64(layout.SizeBytes()), "the measurement must at least see the rings")
}

// TestHotPathCountsExactly checks the shortcuts of the hot path against a
// plain count of the same spans: 2 or 300 objectives (more than the engine
// sums locally per call, and more than its per-call series memo has slots,
// so that objectives share slots), availability and latency in turn, all
// grouping alike, over batches whose series the memo sees again and again.
// Every series must hold exactly the good and bad spans of its route, and
// every objective's counters the spans it counted.
func TestHotPathCountsExactly(t *testing.T) {
	// Three cases: spans spread over the last hour (counted one by one), live
	// spans that all end in now's bucket of every window (counted together
	// per series and call), and spans on both sides of a bucket edge.
	edge := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // a bucket edge of every default window, all multiples of 5s
	for _, c := range []struct {
		name   string
		now    time.Time
		spread time.Duration
	}{
		{"last_hour", edge.Add(1234 * time.Millisecond), time.Hour},
		{"live", edge.Add(4900 * time.Millisecond), 4800 * time.Millisecond},
		{"across_an_edge", edge.Add(2 * time.Second), 4 * time.Second},
	} {
		data := benchdata.Generate(benchdata.Config{Batches: 2, Now: c.now, Spread: c.spread})
		// Two objectives, as the presets have per service, and 300.
		for _, n := range []int{2, 300} {
			t.Run(fmt.Sprintf("%s/objectives=%d", c.name, n), func(t *testing.T) {
				hotPathCountsExactly(t, data, n)
			})
		}
	}
}

func hotPathCountsExactly(t *testing.T, data *benchdata.Data, n int) {
	objs := anyService(n)
	e := newEngine(t, objs, len(objs)*len(benchdata.DefaultRoutes))
	consume := consumer(e, data.Config.Now)
	for _, td := range data.Batches {
		consume(td)
	}
	// The plain count: route -> [good, bad] for each indicator.
	type counts = map[string][2]uint64
	want := map[bool]counts{true: {}, false: {}} // true: availability
	for _, td := range data.Batches {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			ss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < ss.Len(); j++ {
				spans := ss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					span := spans.At(k)
					if span.Kind() != ptrace.SpanKindServer {
						continue
					}
					route, _ := span.Attributes().Get("http.route")
					for _, availability := range []bool{true, false} {
						bad := time.Duration(span.EndTimestamp()-span.StartTimestamp()) > objectives.LatencyThreshold
						if availability {
							bad = engine.IsAvailabilityFailure(span)
						}
						c := want[availability][route.Str()]
						if bad {
							c[1]++
						} else {
							c[0]++
						}
						want[availability][route.Str()] = c
					}
				}
			}
		}
	}
	snap := e.Snapshot(data.Config.Now)
	stats := e.Stats()
	require.Len(t, snap.Objectives, len(objs))
	for i, os := range snap.Objectives {
		availability := i%2 == 0
		got := counts{}
		for _, s := range os.Series {
			require.Len(t, s.Group, 1)
			got[s.Group[0].Value()] = [2]uint64{s.Good, s.Bad}
		}
		require.Equal(t, want[availability], got, "objective %d", i)
		require.Equal(t, int64(data.Server), stats.Objectives[i].Counted, "objective %d", i)
		require.Equal(t, int64(data.Server), stats.Objectives[i].Eligible, "objective %d", i)
	}
	require.Equal(t, int64(data.Spans), stats.SpansEvaluated)
}
