package engine

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// fuzzObjectives covers every indicator kind and grouping path.
func fuzzObjectives() []*Objective {
	avail := availabilityObjective("avail", 0.999, 30*24*time.Hour)
	avail.GroupBy = []string{"http.route", "service.name"}
	latency := availabilityObjective("latency", 0.95, 24*time.Hour)
	latency.Indicator = Indicator{Kind: Latency, Threshold: 300 * time.Millisecond}
	latency.MatchAnyKind, latency.SpanKind = false, ptrace.SpanKindServer
	latency.Service = "checkout"
	return []*Objective{avail, latency}
}

// FuzzSpanEvaluation offers spans with arbitrary timestamps, kinds, statuses
// and attribute values of every type. Whatever they hold, evaluation never
// panics, every eligible span is either counted or rejected by reason, the
// windows hold exactly what was counted, and a checkpoint of the result
// restores to the same counts.
func FuzzSpanEvaluation(f *testing.F) {
	now := testNow.UnixNano()
	f.Add(uint64(now-int64(time.Minute)), uint64(now), int32(2), int32(2), "/a", int64(503), 1.5, "checkout", uint8(0))
	f.Add(uint64(0), uint64(0), int32(0), int32(0), "", int64(0), 0.0, "", uint8(1))
	f.Add(uint64(now), uint64(now-1), int32(-7), int32(9), "\xff\xfe", int64(-1), math.NaN(), "checkout", uint8(2))
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint64), int32(math.MaxInt32), int32(1), "UNAVAILABLE", int64(14), math.Inf(1), "x", uint8(3))
	f.Add(uint64(1), uint64(now+int64(time.Hour)), int32(1), int32(1), "500", int64(1<<62), -0.0, "checkout", uint8(4))
	f.Fuzz(func(t *testing.T, start, end uint64, kind, status int32, text string, number int64, real float64, service string, shape uint8) {
		e, err := New(fuzzObjectives(), Settings{MaxSeries: 4, MaxClockSkew: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		if shape&1 == 0 {
			rs.Resource().Attributes().PutStr("service.name", service)
		}
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for i := 0; i < 3; i++ {
			span := spans.AppendEmpty()
			span.SetStartTimestamp(pcommon.Timestamp(start))
			span.SetEndTimestamp(pcommon.Timestamp(end))
			span.SetKind(ptrace.SpanKind(kind))
			span.Status().SetCode(ptrace.StatusCode(status))
			attrs := span.Attributes()
			switch (shape + uint8(i)) % 5 {
			case 0:
				attrs.PutStr("http.route", text)
				attrs.PutStr("http.response.status_code", text)
			case 1:
				attrs.PutInt("http.route", number)
				attrs.PutInt("rpc.grpc.status_code", number)
			case 2:
				attrs.PutDouble("http.route", real)
				attrs.PutDouble("http.status_code", real)
			case 3:
				attrs.PutBool("http.route", number%2 == 0)
				attrs.PutStr("rpc.response.status_code", text)
			case 4:
				attrs.PutEmptyBytes("http.route").FromRaw([]byte(text))
				attrs.PutEmptyMap("rpc.grpc.status_code").PutStr(text, service)
			}
		}
		e.ConsumeTraces(context.Background(), td, testNow, nil)

		snap := e.Snapshot(testNow)
		stats := e.Stats()
		if stats.ActiveSeries > 4 {
			t.Fatalf("%d series past max_series 4", stats.ActiveSeries)
		}
		for i, os := range stats.Objectives {
			var rejected int64
			for _, n := range os.Rejected {
				rejected += n
			}
			if os.Counted+rejected != os.Eligible {
				t.Fatalf("%s: %d counted + %d rejected != %d eligible", os.Objective, os.Counted, rejected, os.Eligible)
			}
			var total uint64
			for _, s := range snap.Objectives[i].Series {
				total += s.Good + s.Bad
				if period := s.Period().Counts.Total(); period != s.Good+s.Bad {
					t.Fatalf("%s: period window holds %d of %d counted", os.Objective, period, s.Good+s.Bad)
				}
			}
			if int64(total) != os.Counted {
				t.Fatalf("%s: series hold %d, %d counted", os.Objective, total, os.Counted)
			}
		}

		restored, err := New(fuzzObjectives(), Settings{MaxSeries: 4, MaxClockSkew: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := restored.Restore(e.Checkpoint(testNow), testNow); err != nil {
			t.Fatalf("own checkpoint does not restore: %v", err)
		}
		again := restored.Snapshot(testNow)
		for i := range snap.Objectives {
			if len(again.Objectives[i].Series) != len(snap.Objectives[i].Series) {
				t.Fatalf("restored %d series of %d", len(again.Objectives[i].Series), len(snap.Objectives[i].Series))
			}
			for j, s := range snap.Objectives[i].Series {
				r := again.Objectives[i].Series[j]
				if r.Good != s.Good || r.Bad != s.Bad {
					t.Fatalf("restored %d/%d, had %d/%d", r.Good, r.Bad, s.Good, s.Bad)
				}
			}
		}
	})
}

// FuzzRestore offers arbitrary bytes, and mutations of a real checkpoint, as
// a checkpoint: the result is a restore or an error, never a panic, and never
// more series than max_series.
func FuzzRestore(f *testing.F) {
	e := newEngine(f, Settings{}, fuzzObjectives()...)
	e.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	f.Add(e.Checkpoint(testNow))
	f.Add([]byte(checkpointMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		restored, err := New(fuzzObjectives(), Settings{MaxSeries: 3, MaxClockSkew: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := restored.Restore(data, testNow); err != nil {
			return
		}
		if n := restored.Stats().ActiveSeries; n > 3 {
			t.Fatalf("restored %d series past max_series 3", n)
		}
		restored.Snapshot(testNow)
		restored.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	})
}
