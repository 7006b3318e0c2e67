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
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// samplingConfig runs the slo processor before tail_sampling, which keeps
// bad traces and traces of a burning budget and drops the rest; kept traces
// go to a file.
func samplingConfig(p ports, tracesFile string) string {
	return fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
extensions:
  health_check:
    endpoint: 127.0.0.1:%d
processors:
  slo:
    annotate: true
    evaluation_interval: 200ms
    objectives:
      - name: pay-availability
        service: pay
        spans:
          kind: server
        indicator:
          availability: {}
        target: 99
        period: 1d
  tail_sampling:
    decision_wait: 1s
    policies:
      - name: keep-while-burning
        type: boolean_attribute
        boolean_attribute: {key: slo.burning, value: true}
      - name: keep-bad
        type: string_attribute
        string_attribute: {key: slo.outcome, values: [bad]}
exporters:
  file:
    path: %s
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [slo, tail_sampling]
      exporters: [file]
`, p.otlp, p.health, tracesFile)
}

// payTraces returns one-span traces of service pay, the first bad of them
// with HTTP 503, trace IDs numbered from firstID.
func payTraces(now time.Time, firstID byte, good, bad int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "pay")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < good+bad; i++ {
		span := spans.AppendEmpty()
		span.SetTraceID(pcommon.TraceID{15: firstID + byte(i)})
		span.SetSpanID(pcommon.SpanID{7: firstID + byte(i)})
		span.SetName(fmt.Sprintf("trace-%d", firstID+byte(i)))
		span.SetKind(ptrace.SpanKindServer)
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-50 * time.Millisecond)))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		code := int64(200)
		if i >= good {
			code = 503
		}
		span.Attributes().PutInt("http.response.status_code", code)
	}
	return td
}

// keptSpans reads the file exporter's output: span name -> attributes.
func keptSpans(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return out
	}
	require.NoError(t, err)
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(scanner.Bytes())
		require.NoError(t, err)
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			for j := 0; j < td.ResourceSpans().At(i).ScopeSpans().Len(); j++ {
				spans := td.ResourceSpans().At(i).ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					out[spans.At(k).Name()] = spans.At(k).Attributes().AsRaw()
				}
			}
		}
	}
	require.NoError(t, scanner.Err())
	return out
}

func TestProcessorKeepsBadAndBurningTraces(t *testing.T) {
	p := newPorts(t)
	tracesFile := filepath.Join(t.TempDir(), "traces.json")
	c := startCollector(t, samplingConfig(p, tracesFile), p.health)

	// 8 good and 2 bad traces: the sampler keeps the 2 bad ones. 2 bad of 10
	// at 99% burns at 20x, above every workbook tier of a 1d period.
	sendTraces(t, p.otlpEndpoint(), payTraces(time.Now(), 0, 8, 2))
	require.Eventually(t, func() bool { return len(keptSpans(t, tracesFile)) >= 2 }, 20*time.Second, 100*time.Millisecond)
	kept := keptSpans(t, tracesFile)
	assert.Len(t, kept, 2)
	for _, name := range []string{"trace-8", "trace-9"} {
		require.Contains(t, kept, name)
		assert.Equal(t, "pay-availability", kept[name]["slo.name"])
		assert.Equal(t, "bad", kept[name]["slo.outcome"])
	}
	// Before trace-8 only good events exist, so whenever an evaluation ran,
	// it found nothing burning.
	assert.Equal(t, false, kept["trace-8"]["slo.burning"])

	// Once evaluated, the series burns: now every trace is kept, good ones too.
	time.Sleep(time.Second)
	sendTraces(t, p.otlpEndpoint(), payTraces(time.Now(), 100, 3, 0))
	require.Eventually(t, func() bool { return len(keptSpans(t, tracesFile)) >= 5 }, 20*time.Second, 100*time.Millisecond)
	kept = keptSpans(t, tracesFile)
	assert.Len(t, kept, 5)
	for _, name := range []string{"trace-100", "trace-101", "trace-102"} {
		require.Contains(t, kept, name)
		assert.Equal(t, "good", kept[name]["slo.outcome"])
		assert.Equal(t, true, kept[name]["slo.burning"])
	}
	require.NoError(t, c.stop(syscall.SIGTERM))
}
