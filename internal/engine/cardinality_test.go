package engine

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestCardinalityAttack sends a million distinct group_by values. Active
// series never exceed max_series, the heap stays within max_series times the
// 16 KiB a series may take (plus a fixed allowance), and every event is still
// counted, in its own series or in the overflow series.
func TestCardinalityAttack(t *testing.T) {
	const (
		maxSeries  = 10000
		distinct   = 1_000_000
		batchSize  = 10_000
		perSeries  = 16 << 10
		allowance  = 32 << 20 // the engine, the reused batch, the test itself
		heapBudget = maxSeries*perSeries + allowance
	)
	o := availabilityObjective("attack", 0.999, 30*24*time.Hour)
	o.GroupBy = []string{"user.id"}
	e := newEngine(t, Settings{MaxSeries: maxSeries}, o)

	// One batch, its attribute values rewritten for each round, so that the
	// test's own garbage does not cloud the measurement.
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	end := pcommon.NewTimestampFromTime(testNow.Add(-time.Minute))
	for i := 0; i < batchSize; i++ {
		span := spans.AppendEmpty()
		span.SetStartTimestamp(end - 1000)
		span.SetEndTimestamp(end)
		span.Attributes().PutStr("user.id", "")
	}

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var peakSeries int64
	for round := 0; round < distinct/batchSize; round++ {
		for i := 0; i < batchSize; i++ {
			attrs := spans.At(i).Attributes()
			value, _ := attrs.Get("user.id")
			value.SetStr("user-" + strconv.Itoa(round*batchSize+i))
			if i%100 == 0 {
				spans.At(i).Status().SetCode(ptrace.StatusCodeError)
			} else {
				spans.At(i).Status().SetCode(ptrace.StatusCodeUnset)
			}
		}
		e.ConsumeTraces(context.Background(), td, testNow, nil)
		peakSeries = max(peakSeries, e.Stats().ActiveSeries)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)

	if peakSeries > maxSeries {
		t.Fatalf("%d active series, max_series is %d", peakSeries, maxSeries)
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew by %.1f MiB for %d series (%.0f B per series)", float64(grown)/(1<<20), maxSeries, float64(grown)/maxSeries)
	if grown > heapBudget {
		t.Fatalf("heap grew by %d bytes, budget %d", grown, heapBudget)
	}

	stats := e.Stats().Objectives[0]
	if stats.Counted != distinct || stats.Overflowed != distinct-maxSeries {
		t.Fatalf("counted %d (want %d), overflowed %d (want %d)", stats.Counted, distinct, stats.Overflowed, distinct-maxSeries)
	}
	var good, bad uint64
	var overflow SeriesSnapshot
	snap := e.Snapshot(testNow)
	for _, s := range snap.Objectives[0].Series {
		good, bad = good+s.Good, bad+s.Bad
		if s.Overflow {
			overflow = s
		}
	}
	if good != distinct*99/100 || bad != distinct/100 {
		t.Fatalf("series hold %d good and %d bad, sent %d and %d", good, bad, distinct*99/100, distinct/100)
	}
	if got := overflow.Good + overflow.Bad; got != distinct-maxSeries {
		t.Fatalf("overflow series holds %d events, want %d", got, distinct-maxSeries)
	}
	if len(snap.Objectives[0].Series) != maxSeries+1 {
		t.Fatalf("%d series in the snapshot, want %d and the overflow series", len(snap.Objectives[0].Series), maxSeries)
	}
}
