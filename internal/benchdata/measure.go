package benchdata

import (
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Measure is the loop of every per-span benchmark: it passes every batch of d
// to consume once untimed (so that series exist and pools are warm: the
// steady state), then b.N batches in turn, and reports per span:
//
//   - ns/span: wall time of the loop over the spans consumed; with -cpu 1
//     that is the CPU time of one core, garbage collection included;
//   - spans/s: 1e9 / ns/span, the throughput of one core;
//   - allocs/span and B/span: heap allocations over the loop, from
//     runtime.MemStats.
func Measure(b *testing.B, d *Data, consume func(ptrace.Traces)) {
	b.Helper()
	for _, td := range d.Batches {
		consume(td)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		consume(d.Batches[i%len(d.Batches)])
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	ReportPerSpan(b, float64(b.N)*float64(d.SpansPerBatch()), after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc)
}

// ReportPerSpan reports the per-span figures of Measure for a loop that
// consumed spans spans with the given heap allocations.
func ReportPerSpan(b *testing.B, spans float64, mallocs, bytes uint64) {
	ns := float64(b.Elapsed().Nanoseconds()) / spans
	b.ReportMetric(ns, "ns/span")
	if ns > 0 {
		b.ReportMetric(1e9/ns, "spans/s")
	}
	b.ReportMetric(float64(mallocs)/spans, "allocs/span")
	b.ReportMetric(float64(bytes)/spans, "B/span")
}
