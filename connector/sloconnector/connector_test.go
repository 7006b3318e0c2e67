package sloconnector

import (
	"context"
	"flag"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/connector/sloconnector/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files under ../../testdata")

// goldenNow is the collector clock of the golden tests; the span fixture's
// end times are written relative to it.
var goldenNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	spansFixture = filepath.Join("..", "..", "testdata", "spans", "checkout.yaml")
	goldenDir    = filepath.Join("..", "..", "testdata", "metrics")
)

// fixtureSpans is the span set of the golden tests, all ending relative to
// goldenNow. Service checkout, server spans:
//
//	2m ago:  /api/checkout 186 good fast, 10 good slow (500ms), 2 HTTP 503, 2 ERROR
//	45m ago: /api/cart 96 good fast, 4 HTTP 404
//	3h ago:  /api/checkout 85 good fast, 5 good slow (1s), 10 gRPC UNAVAILABLE
//
// plus a client span, and a /health server span of service search, which
// only the route objective's service-less selector sees and its OTTL
// condition turns away.
func fixtureSpans() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	add := func(n int, route string, ago, length time.Duration, kind ptrace.SpanKind, mutate func(ptrace.Span)) {
		for i := 0; i < n; i++ {
			span := spans.AppendEmpty()
			span.SetName("GET " + route)
			span.SetKind(kind)
			end := goldenNow.Add(-ago)
			span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
			span.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-length)))
			span.Attributes().PutStr("http.route", route)
			span.Attributes().PutInt("http.response.status_code", 200)
			if mutate != nil {
				mutate(span)
			}
		}
	}
	server := ptrace.SpanKindServer
	fast, slow := 100*time.Millisecond, 500*time.Millisecond
	status := func(code int64) func(ptrace.Span) {
		return func(s ptrace.Span) { s.Attributes().PutInt("http.response.status_code", code) }
	}
	add(186, "/api/checkout", 2*time.Minute, fast, server, nil)
	add(10, "/api/checkout", 2*time.Minute, slow, server, nil)
	add(2, "/api/checkout", 2*time.Minute, fast, server, status(503))
	add(2, "/api/checkout", 2*time.Minute, fast, server, func(s ptrace.Span) { s.Status().SetCode(ptrace.StatusCodeError) })
	add(96, "/api/cart", 45*time.Minute, fast, server, nil)
	add(4, "/api/cart", 45*time.Minute, fast, server, status(404))
	add(85, "/api/checkout", 3*time.Hour, fast, server, nil)
	add(5, "/api/checkout", 3*time.Hour, time.Second, server, nil)
	add(10, "/api/checkout", 3*time.Hour, fast, server, func(s ptrace.Span) { s.Attributes().PutInt("rpc.grpc.status_code", 14) })
	add(1, "/api/checkout", time.Minute, fast, ptrace.SpanKindClient, status(503))

	search := td.ResourceSpans().AppendEmpty()
	search.Resource().Attributes().PutStr("service.name", "search")
	spans = search.ScopeSpans().AppendEmpty().Spans()
	add(1, "/health", time.Minute, fast, server, status(503))
	return td
}

func newTestConnector(t *testing.T, name string) (*sloConnector, *consumertest.MetricsSink) {
	t.Helper()
	cfg, err := loadConfig(t, name)
	require.NoError(t, err)
	sink := &consumertest.MetricsSink{}
	set := connectortest.NewNopSettings(metadata.Type)
	// The nop settings name each instance at random; a restart keeps its ID.
	set.ID = component.NewID(metadata.Type)
	c, err := newConnector(set, cfg, sink)
	require.NoError(t, err)
	return c, sink
}

func TestGoldenMetrics(t *testing.T) {
	if *update {
		require.NoError(t, golden.WriteTraces(t, spansFixture, fixtureSpans()))
	}
	td, err := golden.ReadTraces(spansFixture)
	require.NoError(t, err)

	c, sink := newTestConnector(t, "golden")
	c.runtime.Now = func() time.Time { return goldenNow }
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
	c.flush(context.Background())
	require.Len(t, sink.AllMetrics(), 1)
	got := sink.AllMetrics()[0]

	path := filepath.Join(goldenDir, "checkout-cumulative.yaml")
	if *update {
		golden.WriteMetrics(t, path, got)
	}
	want, err := golden.ReadMetrics(path)
	require.NoError(t, err)
	// golden.WriteMetrics sorts resources and points and normalizes
	// timestamps; the timestamp tests below check those.
	require.NoError(t, pmetrictest.CompareMetrics(want, got,
		pmetrictest.IgnoreResourceMetricsOrder(),
		pmetrictest.IgnoreMetricDataPointsOrder(),
		pmetrictest.IgnoreTimestamp(),
		pmetrictest.IgnoreStartTimestamp()))
}

// The golden file was checked by hand once; these assertions pin the
// figures that matter, so that a wrong regeneration cannot pass unseen.
func TestGoldenMetricsFigures(t *testing.T) {
	md, err := golden.ReadMetrics(filepath.Join(goldenDir, "checkout-cumulative.yaml"))
	require.NoError(t, err)
	points := indexPoints(md)

	// Availability at 99%: 14 bad of 400 (2 x 503, 2 x ERROR, 10 x UNAVAILABLE).
	assert.Equal(t, 386.0, points["slo.events|checkout-availability|slo.outcome=good"])
	assert.Equal(t, 14.0, points["slo.events|checkout-availability|slo.outcome=bad"])
	assert.Equal(t, 0.98, points["slo.sli|checkout-availability|slo.window=5m"])
	assert.Equal(t, 2.0, points["slo.burn_rate|checkout-availability|slo.window=5m"])
	assert.InDelta(t, 296.0/300, points["slo.sli|checkout-availability|slo.window=1h"], 1e-15)
	assert.Equal(t, 0.965, points["slo.sli|checkout-availability|slo.window=30d"])
	assert.Equal(t, -2.5, points["slo.error_budget.remaining|checkout-availability"])
	assert.Equal(t, 1.0, points["slo.alert|checkout-availability|slo.alert.long_window=3d|slo.alert.name=ticket|slo.alert.short_window=6h|slo.severity=sev4"])
	assert.Equal(t, 0.0, points["slo.alert|checkout-availability|slo.alert.long_window=1h|slo.alert.name=page|slo.alert.short_window=5m|slo.severity=sev1"])

	// Latency at 95%, windows 5m, 1h and the period: 15 slow of 400.
	assert.Equal(t, 0.95, points["slo.sli|checkout-latency|slo.window=5m"])
	assert.InDelta(t, 290.0/300, points["slo.sli|checkout-latency|slo.window=1h"], 1e-15)
	assert.Equal(t, 0.25, points["slo.error_budget.remaining|checkout-latency"])
	assert.InDelta(t, 864000, points["slo.error_budget.exhaustion|checkout-latency|slo.window=30d"], 1e-6)
	_, hasSixHours := points["slo.sli|checkout-latency|slo.window=6h"]
	assert.False(t, hasSixHours, "custom windows replace the defaults")
	// The custom page tier (burn > 0.5 over 1h and 5m, 100 events) fires:
	// 1h burns at (10/300)/0.05 = 0.67, 5m at 1.0.
	assert.Equal(t, 1.0, points["slo.alert|checkout-latency|slo.alert.escalation=call the checkout on-call|slo.alert.long_window=1h|slo.alert.name=page|slo.alert.short_window=5m|slo.severity=sev1"])

	// Routes at 90%, grouped by http.route, server spans of any service whose
	// route starts with /api/: /health is left out by the condition. The OTTL
	// indicator sees HTTP 5xx and ERROR only: 4 bad of the 300 /api/checkout.
	assert.Equal(t, 296.0, points["slo.events|routes|http.route=/api/checkout|slo.outcome=good"])
	assert.Equal(t, 4.0, points["slo.events|routes|http.route=/api/checkout|slo.outcome=bad"])
	assert.Equal(t, 100.0, points["slo.events|routes|http.route=/api/cart|slo.outcome=good"])
	assert.Equal(t, 0.0, points["slo.events|routes|http.route=/api/cart|slo.outcome=bad"])
	// 1h of /api/checkout: the 200 recent spans, 4 bad (the 10 UNAVAILABLE
	// are 3h old and the OTTL condition ignores gRPC codes anyway).
	assert.Equal(t, 0.98, points["slo.sli|routes|http.route=/api/checkout|slo.window=1h"])
	_, hasAlert := points["slo.alert|routes|http.route=/api/checkout|slo.alert.name=page|slo.severity=sev1"]
	assert.False(t, hasAlert, "alerts: none")
}

// indexPoints maps "metric|slo.name|attr=value|..." (attributes sorted, the
// slo.name attribute in second place) to each point's value.
func indexPoints(md pmetric.Metrics) map[string]float64 {
	out := map[string]float64{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		metrics := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics()
		for j := 0; j < metrics.Len(); j++ {
			m := metrics.At(j)
			var points pmetric.NumberDataPointSlice
			if m.Type() == pmetric.MetricTypeSum {
				points = m.Sum().DataPoints()
			} else {
				points = m.Gauge().DataPoints()
			}
			for k := 0; k < points.Len(); k++ {
				dp := points.At(k)
				key := m.Name()
				name, _ := dp.Attributes().Get("slo.name")
				key += "|" + name.Str()
				var rest []string
				for attr, v := range dp.Attributes().All() {
					if attr != "slo.name" {
						rest = append(rest, attr+"="+v.AsString())
					}
				}
				slices.Sort(rest)
				for _, r := range rest {
					key += "|" + r
				}
				if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
					out[key] = float64(dp.IntValue())
				} else {
					out[key] = dp.DoubleValue()
				}
			}
		}
	}
	return out
}

func TestDeltaTemporality(t *testing.T) {
	c, sink := newTestConnector(t, "golden_delta")
	now := goldenNow
	c.runtime.Now = func() time.Time { return now }
	require.NoError(t, c.ConsumeTraces(context.Background(), fixtureSpans()))
	c.flush(context.Background())
	now = goldenNow.Add(time.Minute)
	// Ten more bad spans, ending now.
	more := ptrace.NewTraces()
	rs := more.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	for i := 0; i < 10; i++ {
		span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Second)))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		span.Status().SetCode(ptrace.StatusCodeError)
	}
	require.NoError(t, c.ConsumeTraces(context.Background(), more))
	c.flush(context.Background())
	now = goldenNow.Add(2 * time.Minute)
	c.flush(context.Background())
	require.Len(t, sink.AllMetrics(), 3)

	type point struct {
		good, bad   int64
		start, time time.Time
	}
	events := func(md pmetric.Metrics) point {
		var p point
		metrics := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
		for i := 0; i < metrics.Len(); i++ {
			m := metrics.At(i)
			if m.Name() != "slo.events" {
				continue
			}
			require.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
			for j := 0; j < m.Sum().DataPoints().Len(); j++ {
				dp := m.Sum().DataPoints().At(j)
				outcome, _ := dp.Attributes().Get("slo.outcome")
				if outcome.Str() == "good" {
					p.good = dp.IntValue()
				} else {
					p.bad = dp.IntValue()
				}
				p.start, p.time = dp.StartTimestamp().AsTime().UTC(), dp.Timestamp().AsTime().UTC()
			}
		}
		return p
	}
	// Every checkout span, the client one too (the objective takes any kind):
	// 401 of which 15 bad (the client span's 503 is not a server fault).
	assert.Equal(t, point{good: 387, bad: 14, start: goldenNow, time: goldenNow}, events(sink.AllMetrics()[0]))
	assert.Equal(t, point{good: 0, bad: 10, start: goldenNow, time: goldenNow.Add(time.Minute)}, events(sink.AllMetrics()[1]))
	assert.Equal(t, point{good: 0, bad: 0, start: goldenNow.Add(time.Minute), time: goldenNow.Add(2 * time.Minute)}, events(sink.AllMetrics()[2]))
}

func TestCumulativeStartTimestampIsStable(t *testing.T) {
	c, sink := newTestConnector(t, "golden")
	now := goldenNow
	c.runtime.Now = func() time.Time { return now }
	require.NoError(t, c.ConsumeTraces(context.Background(), fixtureSpans()))
	c.flush(context.Background())
	now = now.Add(time.Minute)
	c.flush(context.Background())
	require.Len(t, sink.AllMetrics(), 2)
	for _, md := range sink.AllMetrics() {
		m := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
		require.Equal(t, "slo.events", m.Name())
		require.Equal(t, pmetric.AggregationTemporalityCumulative, m.Sum().AggregationTemporality())
		assert.Equal(t, goldenNow, m.Sum().DataPoints().At(0).StartTimestamp().AsTime().UTC())
	}
}

func TestShutdownFlushesAndIsIdempotent(t *testing.T) {
	c, sink := newTestConnector(t, "golden")
	c.runtime.Now = func() time.Time { return goldenNow }
	// Shutdown without Start: nothing to flush, no error, twice.
	require.NoError(t, c.Shutdown(context.Background()))
	require.NoError(t, c.Shutdown(context.Background()))

	c, sink = newTestConnector(t, "golden")
	c.runtime.Now = func() time.Time { return goldenNow }
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, c.ConsumeTraces(context.Background(), fixtureSpans()))
	require.NoError(t, c.Shutdown(context.Background()))
	require.Len(t, sink.AllMetrics(), 1, "the flush interval is a minute: only shutdown flushed")
	require.NoError(t, c.Shutdown(context.Background()))
	assert.Len(t, sink.AllMetrics(), 1)
}
