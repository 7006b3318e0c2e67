package slometrics

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func quietSnapshot() engine.Snapshot {
	o := &engine.Objective{
		Name:       "quiet",
		Service:    "search",
		Target:     0.99,
		Period:     24 * time.Hour,
		Windows:    []time.Duration{5 * time.Minute, 24 * time.Hour},
		Attributes: []engine.Attribute{{Key: "team", Value: "search"}},
	}
	o.Alerts = engine.WorkbookAlerts(o.Period)[:1]
	return engine.Snapshot{Time: now, Objectives: []engine.ObjectiveSnapshot{{
		Objective: o,
		Series: []engine.SeriesSnapshot{{
			ID:    1,
			Start: now.Add(-2 * time.Hour),
			Good:  50,
			// Nothing in the last 5m, 50 good events earlier in the day.
			Windows: []engine.Derived{
				engine.Derive(5*time.Minute, window.Counts{}, 0.99),
				engine.Derive(24*time.Hour, window.Counts{Good: 50}, 0.99),
			},
			BudgetRemaining: 1,
			Alerts:          []engine.AlertState{{Tier: &o.Alerts[0]}},
		}},
	}}}
}

func metricsByName(md pmetric.Metrics) map[string]pmetric.Metric {
	out := map[string]pmetric.Metric{}
	metrics := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < metrics.Len(); i++ {
		out[metrics.At(i).Name()] = metrics.At(i)
	}
	return out
}

func TestQuietSeries(t *testing.T) {
	md := NewBuilder("scope", "v1", pmetric.AggregationTemporalityCumulative).Build(quietSnapshot())
	require.Equal(t, 1, md.ResourceMetrics().Len())
	service, _ := md.ResourceMetrics().At(0).Resource().Attributes().Get("service.name")
	assert.Equal(t, "search", service.Str())
	byName := metricsByName(md)

	// Nothing burns: no exhaustion at all, and no SLI or burn rate for the
	// empty 5m window; the metric without points is left out.
	assert.NotContains(t, byName, MetricExhaustion)
	sli := byName[MetricSLI].Gauge().DataPoints()
	require.Equal(t, 1, sli.Len())
	w, _ := sli.At(0).Attributes().Get(AttrWindow)
	assert.Equal(t, "1d", w.Str())
	assert.Equal(t, 1.0, sli.At(0).DoubleValue())
	assert.Equal(t, 0.0, byName[MetricBurnRate].Gauge().DataPoints().At(0).DoubleValue())
	assert.Equal(t, 1.0, byName[MetricBudgetRemaining].Gauge().DataPoints().At(0).DoubleValue())

	// Static attributes are on every point, next to slo.name.
	for name, m := range byName {
		var points pmetric.NumberDataPointSlice
		if m.Type() == pmetric.MetricTypeSum {
			points = m.Sum().DataPoints()
		} else {
			points = m.Gauge().DataPoints()
		}
		for i := 0; i < points.Len(); i++ {
			team, ok := points.At(i).Attributes().Get("team")
			assert.True(t, ok, name)
			assert.Equal(t, "search", team.Str(), name)
		}
	}

	alert := byName[MetricAlert].Gauge().DataPoints().At(0)
	assert.Equal(t, map[string]any{
		AttrName: "quiet", "team": "search", AttrAlertName: "page", AttrSeverity: "sev1",
		AttrLongWindow: "1h", AttrShortWindow: "5m",
	}, alert.Attributes().AsRaw())
	assert.Equal(t, int64(0), alert.IntValue())
}

func TestDeltaAfterRestore(t *testing.T) {
	snap := quietSnapshot()
	// Restored with 40 of its 50 good events a minute ago: the first delta
	// reports only the 10 since.
	snap.Objectives[0].Series[0].Baseline = engine.Baseline{Good: 40, Time: now.Add(-time.Minute)}
	b := NewBuilder("scope", "v1", pmetric.AggregationTemporalityDelta)
	points := metricsByName(b.Build(snap))[MetricEvents].Sum().DataPoints()
	require.Equal(t, 2, points.Len())
	assert.Equal(t, int64(10), points.At(0).IntValue())
	assert.Equal(t, now.Add(-time.Minute), points.At(0).StartTimestamp().AsTime().UTC())

	// A series gone from the snapshot is forgotten.
	snap.Objectives[0].Series = nil
	b.Build(snap)
	assert.Empty(t, b.reported)
}
