package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// persistentConfig is a collector with file_storage in dir, the slo connector
// checkpointing every second, and the metrics both on Prometheus and in an
// OTLP JSON file (which, unlike the Prometheus text format, shows start
// timestamps).
func persistentConfig(p ports, dir, metricsFile string) string {
	return fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
extensions:
  health_check:
    endpoint: 127.0.0.1:%d
  file_storage:
    directory: %s
connectors:
  slo:
    flush_interval: 1s
    checkpoint_interval: 1s
    storage: file_storage
    objectives:
      - name: orders
        service: orders
        indicator:
          availability: {}
        target: 99
        period: 30d
exporters:
  prometheus:
    endpoint: 127.0.0.1:%d
    translation_strategy: UnderscoreEscapingWithSuffixes
  file:
    path: %s
service:
  extensions: [health_check, file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [slo]
    metrics:
      receivers: [slo]
      exporters: [prometheus, file]
`, p.otlp, p.health, dir, p.prometheus, metricsFile)
}

// orderSpans returns good and bad server spans of service orders that ended
// ago before now.
func orderSpans(now time.Time, ago time.Duration, good, bad int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "orders")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < good+bad; i++ {
		span := spans.AppendEmpty()
		span.SetKind(ptrace.SpanKindServer)
		end := now.Add(-ago)
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-20 * time.Millisecond)))
		if i >= good {
			span.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	return td
}

var orders = map[string]string{"slo_name": "orders"}

func waitForEvents(t *testing.T, p ports, good, bad float64) map[string][]sample {
	t.Helper()
	waitForSample(t, p.metricsURL(), "slo_events_total", with(orders, "slo_outcome", "good"), func(v float64) bool { return v == good })
	return waitForSample(t, p.metricsURL(), "slo_events_total", with(orders, "slo_outcome", "bad"), func(v float64) bool { return v == bad })
}

// eventsStart reads the start timestamp of slo.events from the last export
// in the file exporter's output.
func eventsStart(t *testing.T, metricsFile string) time.Time {
	t.Helper()
	f, err := os.Open(metricsFile)
	require.NoError(t, err)
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	var last []byte
	for scanner.Scan() {
		last = append(last[:0], scanner.Bytes()...)
	}
	require.NoError(t, scanner.Err())
	md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(last)
	require.NoError(t, err)
	metrics := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < metrics.Len(); i++ {
		if metrics.At(i).Name() == "slo.events" {
			return metrics.At(i).Sum().DataPoints().At(0).StartTimestamp().AsTime()
		}
	}
	t.Fatal("no slo.events in the last export")
	return time.Time{}
}

func TestRestartKeepsWindows(t *testing.T) {
	p := newPorts(t)
	dir := t.TempDir()
	firstFile, secondFile := filepath.Join(dir, "first.json"), filepath.Join(dir, "second.json")

	first := startCollector(t, persistentConfig(p, dir, firstFile), p.health)
	sendTraces(t, p.otlpEndpoint(), orderSpans(time.Now(), 2*time.Minute, 90, 10))
	waitForEvents(t, p, 90, 10)
	firstStart := eventsStart(t, firstFile)
	require.NoError(t, first.stop(syscall.SIGTERM), "graceful shutdown")

	second := startCollector(t, persistentConfig(p, dir, secondFile), p.health)
	sendTraces(t, p.otlpEndpoint(), orderSpans(time.Now(), time.Minute, 45, 5))
	got := waitForEvents(t, p, 135, 15)
	// Both halves are in every window: 15 bad of 150, SLI 0.9, burn rate 10,
	// budget 1 - 15/1.5 = -9.
	assertValue(t, got, "slo_sli", with(orders, "slo_window", "5m"), 0.9)
	assertValue(t, got, "slo_sli", with(orders, "slo_window", "30d"), 0.9)
	assertValue(t, got, "slo_burn_rate", with(orders, "slo_window", "1h"), 10)
	assertValue(t, got, "slo_error_budget_remaining", orders, -9)
	assert.Equal(t, firstStart, eventsStart(t, secondFile), "slo.events keeps its start timestamp: no counter reset")
	assert.Contains(t, second.output.String(), "SLO state restored")
	require.NoError(t, second.stop(syscall.SIGTERM))
}

func TestKillLosesAtMostOneCheckpointInterval(t *testing.T) {
	p := newPorts(t)
	dir := t.TempDir()
	first := startCollector(t, persistentConfig(p, dir, filepath.Join(dir, "first.json")), p.health)
	sendTraces(t, p.otlpEndpoint(), orderSpans(time.Now(), 2*time.Minute, 90, 10))
	waitForEvents(t, p, 90, 10)
	// Two checkpoint intervals: the first batch is checkpointed for sure.
	time.Sleep(2500 * time.Millisecond)
	sendTraces(t, p.otlpEndpoint(), orderSpans(time.Now(), time.Minute, 45, 5))
	_ = first.stop(syscall.SIGKILL)

	second := startCollector(t, persistentConfig(p, dir, filepath.Join(dir, "second.json")), p.health)
	got := waitForSample(t, p.metricsURL(), "slo_events_total", with(orders, "slo_outcome", "good"), func(v float64) bool { return v > 0 })
	good, _ := find(got, "slo_events_total", with(orders, "slo_outcome", "good"))
	bad, _ := find(got, "slo_events_total", with(orders, "slo_outcome", "bad"))
	// Killed within a second of the second batch: either its checkpoint
	// happened or not; the first batch survives either way.
	assert.Contains(t, [][2]float64{{90, 10}, {135, 15}}, [2]float64{good, bad})
	require.NoError(t, second.stop(syscall.SIGTERM))
}
