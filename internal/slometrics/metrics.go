// Package slometrics turns an engine snapshot into OTLP metrics following the
// otelcol-slo metric contract (see the README's metric table).
package slometrics // import "github.com/otelcol-slo/otelcol-slo/internal/slometrics"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/engine"
)

// Metric and attribute names of the contract. Dashboards and alert rules
// depend on them: change them only together with the README's metric table.
const (
	MetricEvents          = "slo.events"
	MetricObjective       = "slo.objective"
	MetricSLI             = "slo.sli"
	MetricBurnRate        = "slo.burn_rate"
	MetricBudgetRemaining = "slo.error_budget.remaining"
	MetricExhaustion      = "slo.error_budget.exhaustion"
	MetricAlert           = "slo.alert"

	AttrName        = "slo.name"
	AttrOutcome     = "slo.outcome"
	AttrWindow      = "slo.window"
	AttrAlertName   = "slo.alert.name"
	AttrSeverity    = "slo.severity"
	AttrEscalation  = "slo.alert.escalation"
	AttrLongWindow  = "slo.alert.long_window"
	AttrShortWindow = "slo.alert.short_window"
	AttrOverflow    = "otel.metric.overflow"
	AttrService     = "service.name"

	OutcomeGood = "good"
	OutcomeBad  = "bad"
)

// Builder builds the metrics of successive snapshots. It is not safe for
// concurrent use: delta temporality remembers what the last Build reported.
type Builder struct {
	scopeName    string
	scopeVersion string
	temporality  pmetric.AggregationTemporality
	// reported holds, per series ID, the counts and time of the last delta
	// point.
	reported map[uint64]reportedCounts
	// labels caches the slo.window text of each window length: formatting
	// it for every point was a sixth of a flush.
	labels map[time.Duration]string
}

type reportedCounts struct {
	good, bad uint64
	time      pcommon.Timestamp
}

// NewBuilder returns a builder whose metrics carry the given instrumentation
// scope, with slo.events in the given temporality (cumulative or delta).
func NewBuilder(scopeName, scopeVersion string, temporality pmetric.AggregationTemporality) *Builder {
	return &Builder{
		scopeName:    scopeName,
		scopeVersion: scopeVersion,
		temporality:  temporality,
		reported:     map[uint64]reportedCounts{},
		labels:       map[time.Duration]string{},
	}
}

func (b *Builder) label(d time.Duration) string {
	l, ok := b.labels[d]
	if !ok {
		l = duration.Format(d)
		b.labels[d] = l
	}
	return l
}

// metricSet holds the metrics of one resource (one service) being filled.
type metricSet struct {
	builder                                                        *Builder
	events, objective, sli, burnRate, remaining, exhaustion, alert pmetric.Metric
}

// reserve makes room for the points of the given series in one allocation
// per metric, rather than growing each slice point by point.
func (set *metricSet) reserve(series, windows, alerts int) {
	set.events.Sum().DataPoints().EnsureCapacity(set.events.Sum().DataPoints().Len() + 2*series)
	for _, m := range []struct {
		metric pmetric.Metric
		n      int
	}{
		{set.objective, series}, {set.remaining, series},
		{set.sli, series * windows}, {set.burnRate, series * windows}, {set.exhaustion, series * windows},
		{set.alert, series * alerts},
	} {
		points := m.metric.Gauge().DataPoints()
		points.EnsureCapacity(points.Len() + m.n)
	}
}

// Build returns the metrics of snap: one resource per objective service, with
// service.name set when the objective names a service.
func (b *Builder) Build(snap engine.Snapshot) pmetric.Metrics {
	md := pmetric.NewMetrics()
	now := pcommon.NewTimestampFromTime(snap.Time)
	sets := map[string]*metricSet{}
	seen := make(map[uint64]struct{}, len(b.reported))
	for _, os := range snap.Objectives {
		if len(os.Series) == 0 {
			continue
		}
		set := sets[os.Objective.Service]
		if set == nil {
			set = b.newMetricSet(md, os.Objective.Service)
			sets[os.Objective.Service] = set
		}
		set.reserve(len(os.Series), len(os.Objective.Windows), len(os.Objective.Alerts))
		for _, s := range os.Series {
			set.add(os.Objective, s, now, b.eventCounts(s, now))
			seen[s.ID] = struct{}{}
		}
	}
	for id := range b.reported {
		if _, ok := seen[id]; !ok {
			delete(b.reported, id)
		}
	}
	// A metric without points (no window burning, say) is noise to exporters.
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		metrics := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics()
		metrics.RemoveIf(func(m pmetric.Metric) bool {
			if m.Type() == pmetric.MetricTypeSum {
				return m.Sum().DataPoints().Len() == 0
			}
			return m.Gauge().DataPoints().Len() == 0
		})
	}
	return md
}

func (b *Builder) newMetricSet(md pmetric.Metrics, service string) *metricSet {
	rm := md.ResourceMetrics().AppendEmpty()
	if service != "" {
		rm.Resource().Attributes().PutStr(AttrService, service)
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(b.scopeName)
	sm.Scope().SetVersion(b.scopeVersion)
	metrics := sm.Metrics()
	gauge := func(name, unit, description string) pmetric.Metric {
		m := metrics.AppendEmpty()
		m.SetName(name)
		m.SetUnit(unit)
		m.SetDescription(description)
		m.SetEmptyGauge()
		return m
	}
	set := &metricSet{builder: b}
	set.events = metrics.AppendEmpty()
	set.events.SetName(MetricEvents)
	set.events.SetUnit("{event}")
	set.events.SetDescription("Eligible events counted into the SLO windows, by outcome.")
	sum := set.events.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(b.temporality)
	set.objective = gauge(MetricObjective, "", "The SLO target as a ratio.")
	set.sli = gauge(MetricSLI, "", "Good events divided by all events over the trailing window.")
	set.burnRate = gauge(MetricBurnRate, "", "Bad-event ratio over the trailing window divided by the error budget ratio.")
	set.remaining = gauge(MetricBudgetRemaining, "", "Share of the period's error budget left; negative when overspent.")
	set.exhaustion = gauge(MetricExhaustion, "s", "Time until the error budget is gone at the window's burn rate.")
	set.alert = gauge(MetricAlert, "", "1 while the multiwindow multi-burn-rate alert tier fires, else 0.")
	return set
}

// eventCounts returns the slo.events values of a series: cumulative since
// the series started, or delta since the last Build.
func (b *Builder) eventCounts(s engine.SeriesSnapshot, now pcommon.Timestamp) reportedCounts {
	start := pcommon.NewTimestampFromTime(s.Start)
	if b.temporality != pmetric.AggregationTemporalityDelta {
		return reportedCounts{good: s.Good, bad: s.Bad, time: start}
	}
	last, ok := b.reported[s.ID]
	if !ok {
		// A series restored from a checkpoint reported its restored counts
		// before the restart.
		last = reportedCounts{good: s.Baseline.Good, bad: s.Baseline.Bad, time: start}
		if !s.Baseline.Time.IsZero() {
			last.time = pcommon.NewTimestampFromTime(s.Baseline.Time)
		}
	}
	b.reported[s.ID] = reportedCounts{good: s.Good, bad: s.Bad, time: now}
	return reportedCounts{good: s.Good - last.good, bad: s.Bad - last.bad, time: last.time}
}

func (set *metricSet) add(o *engine.Objective, s engine.SeriesSnapshot, now pcommon.Timestamp, events reportedCounts) {
	// Room for slo.name, the static and group attributes, the overflow mark
	// and what the metric adds, exactly: a point's attributes are most of
	// the memory a flush takes.
	base := 1 + len(o.Attributes) + len(s.Group)
	if s.Overflow {
		base++
	}
	point := func(m pmetric.Metric, extra int) pmetric.NumberDataPoint {
		var dp pmetric.NumberDataPoint
		if m.Type() == pmetric.MetricTypeSum {
			dp = m.Sum().DataPoints().AppendEmpty()
		} else {
			dp = m.Gauge().DataPoints().AppendEmpty()
		}
		dp.SetTimestamp(now)
		attrs := dp.Attributes()
		attrs.EnsureCapacity(base + extra)
		attrs.PutStr(AttrName, o.Name)
		for _, a := range o.Attributes {
			attrs.PutStr(a.Key, a.Value)
		}
		for _, g := range s.Group {
			g.CopyTo(attrs)
		}
		if s.Overflow {
			attrs.PutBool(AttrOverflow, true)
		}
		return dp
	}

	for _, outcome := range [...]struct {
		name  string
		value uint64
	}{{OutcomeGood, events.good}, {OutcomeBad, events.bad}} {
		dp := point(set.events, 1)
		dp.SetStartTimestamp(events.time)
		dp.SetIntValue(int64(outcome.value))
		dp.Attributes().PutStr(AttrOutcome, outcome.name)
	}

	point(set.objective, 0).SetDoubleValue(o.Target)
	point(set.remaining, 0).SetDoubleValue(s.BudgetRemaining)

	for i, w := range s.Windows {
		if w.Counts.Total() == 0 {
			continue
		}
		label := set.builder.label(o.Windows[i])
		dp := point(set.sli, 1)
		dp.SetDoubleValue(w.SLI)
		dp.Attributes().PutStr(AttrWindow, label)
		dp = point(set.burnRate, 1)
		dp.SetDoubleValue(w.BurnRate)
		dp.Attributes().PutStr(AttrWindow, label)
		if seconds, ok := engine.Exhaustion(s.BudgetRemaining, w.BurnRate, o.Period); ok {
			dp = point(set.exhaustion, 1)
			dp.SetDoubleValue(seconds)
			dp.Attributes().PutStr(AttrWindow, label)
		}
	}

	for _, a := range s.Alerts {
		extra := 4
		if a.Tier.Escalation != "" {
			extra++
		}
		dp := point(set.alert, extra)
		if a.Firing {
			dp.SetIntValue(1)
		} else {
			dp.SetIntValue(0)
		}
		dp.Attributes().PutStr(AttrAlertName, a.Tier.Name)
		dp.Attributes().PutStr(AttrSeverity, a.Tier.Severity)
		dp.Attributes().PutStr(AttrLongWindow, set.builder.label(a.Tier.LongWindow))
		dp.Attributes().PutStr(AttrShortWindow, set.builder.label(a.Tier.ShortWindow))
		if a.Tier.Escalation != "" {
			dp.Attributes().PutStr(AttrEscalation, a.Tier.Escalation)
		}
	}
}
