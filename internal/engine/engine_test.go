package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type testSpan struct {
	service string
	kind    ptrace.SpanKind
	end     time.Time
	length  time.Duration
	status  ptrace.StatusCode
	attrs   map[string]any
}

func traces(spans ...testSpan) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, s := range spans {
		rs := td.ResourceSpans().AppendEmpty()
		if s.service != "" {
			rs.Resource().Attributes().PutStr("service.name", s.service)
		}
		span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		span.SetKind(s.kind)
		length := s.length
		if length == 0 {
			length = 10 * time.Millisecond
		}
		if !s.end.IsZero() {
			span.SetEndTimestamp(pcommon.NewTimestampFromTime(s.end))
			span.SetStartTimestamp(pcommon.NewTimestampFromTime(s.end.Add(-length)))
		}
		span.Status().SetCode(s.status)
		_ = span.Attributes().FromRaw(s.attrs)
	}
	return td
}

func repeat(n int, s testSpan) []testSpan {
	out := make([]testSpan, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func availabilityObjective(name string, target float64, period time.Duration) *Objective {
	windows := []time.Duration{}
	for _, w := range DefaultWindows() {
		if w < period {
			windows = append(windows, w)
		}
	}
	return &Objective{
		Name:         name,
		MatchAnyKind: true,
		Indicator:    Indicator{Kind: Availability},
		Target:       target,
		Period:       period,
		Windows:      append(windows, period),
		Alerts:       WorkbookAlerts(period),
	}
}

func newEngine(t testing.TB, settings Settings, objectives ...*Objective) *Engine {
	t.Helper()
	if settings.MaxSeries == 0 {
		settings.MaxSeries = 1000
	}
	if settings.MaxClockSkew == 0 {
		settings.MaxClockSkew = 5 * time.Minute
	}
	e, err := New(objectives, settings)
	require.NoError(t, err)
	return e
}

func counts(s SeriesSnapshot) map[string][2]uint64 {
	out := map[string][2]uint64{}
	for _, w := range s.Windows {
		out[formatWindow(w.Window)] = [2]uint64{w.Counts.Good, w.Counts.Bad}
	}
	return out
}

func formatWindow(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func TestEventTimeDecidesTheWindows(t *testing.T) {
	e := newEngine(t, Settings{}, availabilityObjective("avail", 0.99, 30*24*time.Hour))
	var spans []testSpan
	spans = append(spans, repeat(196, testSpan{kind: ptrace.SpanKindServer, end: testNow.Add(-2 * time.Minute)})...)
	spans = append(spans, repeat(4, testSpan{kind: ptrace.SpanKindServer, end: testNow.Add(-2 * time.Minute), status: ptrace.StatusCodeError})...)
	spans = append(spans, repeat(100, testSpan{kind: ptrace.SpanKindServer, end: testNow.Add(-45 * time.Minute)})...)
	spans = append(spans, repeat(90, testSpan{kind: ptrace.SpanKindServer, end: testNow.Add(-3 * time.Hour)})...)
	spans = append(spans, repeat(10, testSpan{kind: ptrace.SpanKindServer, end: testNow.Add(-3 * time.Hour), status: ptrace.StatusCodeError})...)
	e.ConsumeTraces(context.Background(), traces(spans...), testNow, nil)

	snap := e.Snapshot(testNow)
	require.Len(t, snap.Objectives, 1)
	require.Len(t, snap.Objectives[0].Series, 1)
	s := snap.Objectives[0].Series[0]
	assert.Equal(t, map[string][2]uint64{
		"5m": {196, 4}, "30m": {196, 4}, "1h": {296, 4}, "2h": {296, 4},
		"6h": {386, 14}, "1d": {386, 14}, "3d": {386, 14}, "30d": {386, 14},
	}, counts(s))
	assert.Equal(t, uint64(386), s.Good)
	assert.Equal(t, uint64(14), s.Bad)
	// 14 bad of 400 at 99%: 4 allowed, 3.5 times the budget spent.
	assert.InDelta(t, -2.5, s.BudgetRemaining, tolerance)
	assert.InDelta(t, 3.5, s.Period().BurnRate, tolerance)

	// Burn rates 2 (5m), 4/300/0.01 = 1.33 (1h), 3.5 (6h, 1d, 3d): only the
	// 3d/6h ticket fires.
	var firing []string
	for _, a := range s.Alerts {
		if a.Firing {
			firing = append(firing, a.Tier.Severity)
		}
	}
	assert.Equal(t, []string{"sev4"}, firing)
}

func TestRejectedSpansAreCountedByReason(t *testing.T) {
	e := newEngine(t, Settings{MaxClockSkew: time.Minute}, availabilityObjective("avail", 0.99, 24*time.Hour))
	noEnd := testSpan{kind: ptrace.SpanKindServer}
	td := traces(
		noEnd,
		testSpan{end: testNow.Add(-25 * time.Hour)},         // before the 1d period
		testSpan{end: testNow.Add(2 * time.Minute)},         // past the skew
		testSpan{end: testNow.Add(30 * time.Second)},        // within the skew: counts now
		testSpan{end: testNow.Add(-23 * time.Hour)},         // inside the period
		testSpan{end: testNow, length: -time.Second},        // ends before it starts
		testSpan{end: testNow.Add(-time.Minute), length: 1}, // fine
	)
	// A span with an end but no start.
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(testNow))
	e.ConsumeTraces(context.Background(), td, testNow, nil)

	stats := e.Stats()
	assert.Equal(t, int64(8), stats.SpansEvaluated)
	os := stats.Objectives[0]
	assert.Equal(t, int64(8), os.Eligible)
	assert.Equal(t, int64(3), os.Counted)
	assert.Equal(t, int64(2), os.Rejected[ReasonMissingTimestamp])
	assert.Equal(t, int64(1), os.Rejected[ReasonEndBeforeStart])
	assert.Equal(t, int64(1), os.Rejected[ReasonTooOld])
	assert.Equal(t, int64(1), os.Rejected[ReasonTooFarInFuture])

	s := e.Snapshot(testNow).Objectives[0].Series[0]
	// The early span and the fine one are in the 5m window; the 23h-old one
	// only in the period.
	assert.Equal(t, [2]uint64{2, 0}, counts(s)["5m"])
	assert.Equal(t, [2]uint64{3, 0}, counts(s)["1d"])
}

func TestServiceAndKindSelectSpans(t *testing.T) {
	checkout := availabilityObjective("checkout", 0.99, 24*time.Hour)
	checkout.Service = "checkout"
	checkout.MatchAnyKind = false
	checkout.SpanKind = ptrace.SpanKindServer
	all := availabilityObjective("all", 0.99, 24*time.Hour)
	e := newEngine(t, Settings{}, checkout, all)
	at := testNow.Add(-time.Minute)
	e.ConsumeTraces(context.Background(), traces(
		testSpan{service: "checkout", kind: ptrace.SpanKindServer, end: at},
		testSpan{service: "checkout", kind: ptrace.SpanKindClient, end: at},
		testSpan{service: "search", kind: ptrace.SpanKindServer, end: at},
		testSpan{kind: ptrace.SpanKindServer, end: at},
		testSpan{service: "checkout", kind: ptrace.SpanKind(42), end: at},
	), testNow, nil)
	stats := e.Stats()
	assert.Equal(t, int64(1), stats.Objectives[0].Eligible)
	assert.Equal(t, int64(5), stats.Objectives[1].Eligible)
}

func TestLatencyIndicator(t *testing.T) {
	o := availabilityObjective("latency", 0.95, 24*time.Hour)
	o.Indicator = Indicator{Kind: Latency, Threshold: 300 * time.Millisecond}
	e := newEngine(t, Settings{}, o)
	at := testNow.Add(-time.Minute)
	e.ConsumeTraces(context.Background(), traces(
		testSpan{end: at, length: 100 * time.Millisecond},
		testSpan{end: at, length: 300 * time.Millisecond}, // at the threshold: good
		testSpan{end: at, length: 300*time.Millisecond + 1},
		testSpan{end: at, length: 2 * time.Second, status: ptrace.StatusCodeError},
		testSpan{end: at, length: time.Millisecond, status: ptrace.StatusCodeError}, // fast errors are fast
	), testNow, nil)
	s := e.Snapshot(testNow).Objectives[0].Series[0]
	assert.Equal(t, uint64(3), s.Good)
	assert.Equal(t, uint64(2), s.Bad)
}

func groupedObjective(groupBy ...string) *Objective {
	o := availabilityObjective("grouped", 0.99, 24*time.Hour)
	o.GroupBy = groupBy
	return o
}

func seriesByGroup(t *testing.T, os ObjectiveSnapshot) map[string]SeriesSnapshot {
	t.Helper()
	out := map[string]SeriesSnapshot{}
	for _, s := range os.Series {
		key := ""
		for _, g := range s.Group {
			if g.Present {
				key += g.Key + "=" + g.Value() + ";"
			} else {
				key += g.Key + " missing;"
			}
		}
		if s.Overflow {
			key = "overflow"
		}
		out[key] = s
	}
	return out
}

func TestGroupBySplitsSeries(t *testing.T) {
	e := newEngine(t, Settings{}, groupedObjective("http.route", "deployment.environment"))
	at := testNow.Add(-time.Minute)
	td := traces(
		testSpan{end: at, attrs: map[string]any{"http.route": "/a"}},
		testSpan{end: at, attrs: map[string]any{"http.route": "/a"}, status: ptrace.StatusCodeError},
		testSpan{end: at, attrs: map[string]any{"http.route": "/b"}},
		testSpan{end: at},
		testSpan{end: at, attrs: map[string]any{"http.route": int64(7)}},
		testSpan{end: at, attrs: map[string]any{"http.route": "7"}},
	)
	// A resource attribute serves when the span has none of that name.
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("deployment.environment", "prod")
	e.ConsumeTraces(context.Background(), td, testNow, nil)
	got := seriesByGroup(t, e.Snapshot(testNow).Objectives[0])
	require.Len(t, got, 5, "int 7 and string 7 share a key here, not a series")
	require.Len(t, e.Snapshot(testNow).Objectives[0].Series, 6)
	a := got["http.route=/a;deployment.environment missing;"]
	assert.Equal(t, uint64(0), a.Good)
	assert.Equal(t, uint64(1), a.Bad)
	prod := got["http.route=/a;deployment.environment=prod;"]
	assert.Equal(t, uint64(1), prod.Good)
	assert.Equal(t, uint64(1), got["http.route=/b;deployment.environment missing;"].Good)
	assert.Equal(t, uint64(1), got["http.route missing;deployment.environment missing;"].Good)
	// An int 7 and a string "7" are different values and keep their types.
	types := map[pcommon.ValueType]uint64{}
	for _, s := range e.Snapshot(testNow).Objectives[0].Series {
		m := pcommon.NewMap()
		s.Group[0].CopyTo(m)
		if v, ok := m.Get("http.route"); ok && v.AsString() == "7" {
			types[v.Type()] += s.Good
		}
	}
	assert.Equal(t, map[pcommon.ValueType]uint64{pcommon.ValueTypeInt: 1, pcommon.ValueTypeStr: 1}, types)
}

func TestGroupValuesAreCutAndMadeValidUTF8(t *testing.T) {
	e := newEngine(t, Settings{}, groupedObjective("http.route"))
	at := testNow.Add(-time.Minute)
	long := make([]byte, 10000)
	for i := range long {
		long[i] = 'x'
	}
	e.ConsumeTraces(context.Background(), traces(
		testSpan{end: at, attrs: map[string]any{"http.route": string(long)}},
		testSpan{end: at, attrs: map[string]any{"http.route": string(long[:MaxGroupValueBytes]) + "different tail"}},
		testSpan{end: at, attrs: map[string]any{"http.route": "bad\xffutf8"}},
	), testNow, nil)
	got := seriesByGroup(t, e.Snapshot(testNow).Objectives[0])
	require.Len(t, got, 2)
	cut := got["http.route="+string(long[:MaxGroupValueBytes])+";"]
	assert.Equal(t, uint64(2), cut.Good, "both long values share the cut value")
	assert.Equal(t, uint64(1), got["http.route=bad\uFFFDutf8;"].Good)
}

func TestMaxSeriesOverflow(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	e := newEngine(t, Settings{MaxSeries: 3, Logger: zap.New(core)}, groupedObjective("user.id"))
	at := testNow.Add(-time.Minute)
	var spans []testSpan
	for i := 0; i < 10; i++ {
		spans = append(spans, testSpan{end: at, attrs: map[string]any{"user.id": int64(i)}})
	}
	e.ConsumeTraces(context.Background(), traces(spans...), testNow, nil)
	// Known series keep counting after the cap is reached.
	e.ConsumeTraces(context.Background(), traces(testSpan{end: at, attrs: map[string]any{"user.id": int64(0)}}), testNow, nil)

	got := seriesByGroup(t, e.Snapshot(testNow).Objectives[0])
	require.Len(t, got, 4)
	assert.Equal(t, uint64(2), got["user.id=0;"].Good)
	assert.Equal(t, uint64(7), got["overflow"].Good)
	stats := e.Stats()
	assert.Equal(t, int64(3), stats.ActiveSeries)
	assert.Equal(t, int64(7), stats.Objectives[0].Overflowed)
	assert.Equal(t, int64(11), stats.Objectives[0].Counted)
	assert.Equal(t, 1, logs.Len(), "one warning per objective, not per span")
	assert.Equal(t, "grouped", logs.All()[0].ContextMap()["objective"])
}

func TestIdleSeriesExpireAfterThePeriod(t *testing.T) {
	e := newEngine(t, Settings{MaxSeries: 2}, groupedObjective("http.route"))
	e.ConsumeTraces(context.Background(), traces(
		testSpan{end: testNow, attrs: map[string]any{"http.route": "/a"}},
		testSpan{end: testNow, attrs: map[string]any{"http.route": "/b"}},
	), testNow, nil)
	later := testNow.Add(23 * time.Hour)
	e.ConsumeTraces(context.Background(), traces(testSpan{end: later, attrs: map[string]any{"http.route": "/b"}}), later, nil)

	// /a has seen nothing for more than the 1d period: it goes, freeing room.
	expired := testNow.Add(24*time.Hour + time.Second)
	got := seriesByGroup(t, e.Snapshot(expired).Objectives[0])
	require.Len(t, got, 1)
	assert.Contains(t, got, "http.route=/b;")
	assert.Equal(t, int64(1), e.Stats().ActiveSeries)
	e.ConsumeTraces(context.Background(), traces(testSpan{end: expired, attrs: map[string]any{"http.route": "/c"}}), expired, nil)
	got = seriesByGroup(t, e.Snapshot(expired).Objectives[0])
	assert.Len(t, got, 2)
	assert.NotContains(t, got, "overflow")
}

func TestAlertFiresAndClearsAcrossABurst(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	o := availabilityObjective("burst", 0.999, 30*24*time.Hour)
	e := newEngine(t, Settings{Logger: zap.New(core)}, o)
	ctx := context.Background()
	pageFiring := func(now time.Time) bool {
		for _, a := range e.Snapshot(now).Objectives[0].Series[0].Alerts {
			if a.Tier.Severity == "sev1" {
				return a.Firing
			}
		}
		t.Fatal("no sev1 tier")
		return false
	}
	// An hour of healthy traffic, 100 spans a minute.
	start := testNow
	for m := 0; m < 60; m++ {
		now := start.Add(time.Duration(m) * time.Minute)
		e.ConsumeTraces(ctx, traces(repeat(100, testSpan{end: now})...), now, nil)
	}
	now := start.Add(60 * time.Minute)
	assert.False(t, pageFiring(now))

	// A 5-minute burst of 50% errors: 5m burn rate 500, 1h burn rate 250/6250/0.001 = 40.
	for m := 0; m < 5; m++ {
		now = start.Add(time.Duration(60+m) * time.Minute)
		spans := append(repeat(50, testSpan{end: now}), repeat(50, testSpan{end: now, status: ptrace.StatusCodeError})...)
		e.ConsumeTraces(ctx, traces(spans...), now, nil)
	}
	assert.True(t, pageFiring(now))

	// Healthy again: the 1h burn rate stays high, but once the burst leaves
	// the 5m window the page clears, about one short window later.
	for m := 5; m < 11; m++ {
		now = start.Add(time.Duration(60+m) * time.Minute)
		e.ConsumeTraces(ctx, traces(repeat(100, testSpan{end: now})...), now, nil)
		if m == 8 {
			assert.True(t, pageFiring(now), "burst still inside the 5m window at +%dm", m)
		}
	}
	assert.False(t, pageFiring(now))

	var changes []string
	for _, entry := range logs.All() {
		if entry.ContextMap()["severity"] == "sev1" {
			changes = append(changes, entry.Message)
		}
	}
	assert.Equal(t, []string{"SLO alert firing", "SLO alert resolved"}, changes)
}

func TestConcurrentConsumeAndSnapshot(t *testing.T) {
	e := newEngine(t, Settings{}, groupedObjective("http.route"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			e.Snapshot(testNow)
		}
	}()
	const workers, batches = 4, 50
	finished := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			for b := 0; b < batches; b++ {
				e.ConsumeTraces(context.Background(), traces(
					testSpan{end: testNow, attrs: map[string]any{"http.route": fmt.Sprintf("/%d", b%5)}},
					testSpan{end: testNow, status: ptrace.StatusCodeError, attrs: map[string]any{"http.route": "/x"}},
				), testNow, nil)
			}
			finished <- struct{}{}
		}()
	}
	for w := 0; w < workers; w++ {
		<-finished
	}
	<-done
	var good, bad uint64
	for _, s := range e.Snapshot(testNow).Objectives[0].Series {
		good += s.Good
		bad += s.Bad
	}
	assert.Equal(t, uint64(workers*batches), good)
	assert.Equal(t, uint64(workers*batches), bad)
}

// countingCondition holds for spans named "match" and counts its evaluations.
type countingCondition struct{ evaluations int }

func (c *countingCondition) Eval(_ context.Context, tCtx *ottlspan.TransformContext) (bool, error) {
	c.evaluations++
	return tCtx.GetSpan().Name() == "match", nil
}

func TestSharedConditionEvaluatedOncePerSpan(t *testing.T) {
	shared := &countingCondition{}
	first := availabilityObjective("first", 0.99, 24*time.Hour)
	first.Eligible = shared
	second := availabilityObjective("second", 0.99, 24*time.Hour)
	second.Eligible = shared
	second.Indicator = Indicator{Kind: BadWhen, Condition: shared}
	e := newEngine(t, Settings{}, first, second)
	td := traces(testSpan{end: testNow}, testSpan{end: testNow}, testSpan{end: testNow})
	spans := td.ResourceSpans()
	spans.At(0).ScopeSpans().At(0).Spans().At(0).SetName("match")
	spans.At(1).ScopeSpans().At(0).Spans().At(0).SetName("match")
	e.ConsumeTraces(context.Background(), td, testNow, nil)

	// Three spans, three objectives' uses each, one evaluation per span.
	assert.Equal(t, 3, shared.evaluations)
	stats := e.Stats()
	assert.Equal(t, int64(2), stats.Objectives[0].Counted)
	assert.Equal(t, int64(2), stats.Objectives[1].Counted)
	// The second objective's indicator is the same condition: both its
	// spans are bad.
	s := e.Snapshot(testNow).Objectives[1].Series[0]
	assert.Equal(t, uint64(2), s.Bad)
}

func TestLongMultibyteValuesAreCutAtACharacterBoundary(t *testing.T) {
	// 'é' is two bytes: 200 of them are 400 bytes, cut to 128 characters.
	long := strings.Repeat("é", 200)
	got := canonicalString(long)
	assert.Equal(t, strings.Repeat("é", 128), got)
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() { canonicalString(long) }))
	// A three-byte character across the limit is left out whole.
	mixed := strings.Repeat("a", MaxGroupValueBytes-1) + "€"
	assert.Equal(t, strings.Repeat("a", MaxGroupValueBytes-1), canonicalString(mixed))
}
