package slotelemetry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func sumOf(t *testing.T, tel *componenttest.Telemetry, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err, name)
	want := attribute.NewSet(attrs...)
	switch data := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, dp := range data.DataPoints {
			if dp.Attributes.Equals(&want) {
				return dp.Value
			}
		}
	case metricdata.Gauge[int64]:
		for _, dp := range data.DataPoints {
			if dp.Attributes.Equals(&want) {
				return dp.Value
			}
		}
	}
	t.Fatalf("%s has no point %v", name, attrs)
	return 0
}

func TestCountersFollowTheEngine(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	o := &engine.Objective{
		Name: "avail", MatchAnyKind: true, Indicator: engine.Indicator{Kind: engine.Availability},
		Target: 0.99, Period: 24 * time.Hour, Windows: []time.Duration{time.Hour, 24 * time.Hour},
		GroupBy: []string{"http.route"},
	}
	e, err := engine.New([]*engine.Objective{o}, engine.Settings{MaxSeries: 1, MaxClockSkew: time.Minute})
	require.NoError(t, err)
	telemetry, err := New(tel.NewTelemetrySettings(), e)
	require.NoError(t, err)

	// Three spans: two routes (one past max_series 1) and one without an end.
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i, route := range []string{"/a", "/b", "/c"} {
		span := spans.AppendEmpty()
		span.Attributes().PutStr("http.route", route)
		if i < 2 {
			span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Second)))
			span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		}
	}
	e.ConsumeTraces(context.Background(), td, now, nil)
	telemetry.RecordFlush(context.Background(), 3*time.Millisecond)

	objective := attribute.String(AttrObjective, "avail")
	assert.Equal(t, int64(3), sumOf(t, tel, SpansEvaluated))
	assert.Equal(t, int64(3), sumOf(t, tel, SpansEligible, objective))
	assert.Equal(t, int64(2), sumOf(t, tel, SpansCounted, objective))
	assert.Equal(t, int64(1), sumOf(t, tel, EventsOverflow, objective))
	assert.Equal(t, int64(1), sumOf(t, tel, SeriesActive, objective))
	assert.Equal(t, int64(1), sumOf(t, tel, SpansRejected, objective, attribute.String(AttrReason, "missing_timestamp")))
	assert.Equal(t, int64(0), sumOf(t, tel, SpansRejected, objective, attribute.String(AttrReason, "too_old")))

	flush, err := tel.GetMetric(FlushDuration)
	require.NoError(t, err)
	hist := flush.Data.(metricdata.Histogram[float64]).DataPoints[0]
	assert.Equal(t, uint64(1), hist.Count)
	assert.InDelta(t, 0.003, hist.Sum, 1e-12)

	require.NoError(t, telemetry.Shutdown())
	require.NoError(t, telemetry.Shutdown())
}
