package e2e

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ports are the loopback ports of one collector under test.
type ports struct {
	otlp, prometheus, health, telemetry int
}

func newPorts(t *testing.T) ports {
	return ports{otlp: freePort(t), prometheus: freePort(t), health: freePort(t), telemetry: freePort(t)}
}

func (p ports) otlpEndpoint() string   { return fmt.Sprintf("127.0.0.1:%d", p.otlp) }
func (p ports) metricsURL() string     { return fmt.Sprintf("http://127.0.0.1:%d/metrics", p.prometheus) }
func (p ports) telemetryURL() string   { return fmt.Sprintf("http://127.0.0.1:%d/metrics", p.telemetry) }
func (p ports) healthEndpoint() string { return fmt.Sprintf("127.0.0.1:%d", p.health) }

// collectorConfig wraps a connector configuration in a pipeline: OTLP in,
// slo connector, Prometheus out, all on loopback.
func collectorConfig(p ports, connector string) string {
	return fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
extensions:
  health_check:
    endpoint: 127.0.0.1:%d
connectors:
  slo:
%s
exporters:
  prometheus:
    endpoint: 127.0.0.1:%d
    translation_strategy: UnderscoreEscapingWithSuffixes
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %d
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [slo]
    metrics:
      receivers: [slo]
      exporters: [prometheus]
`, p.otlp, p.health, connector, p.prometheus, p.telemetry)
}

const checkoutObjectives = `
    flush_interval: 1s
    objectives:
      - name: checkout-availability
        service: checkout
        spans:
          kind: server
        indicator:
          availability: {}
        target: 99
        period: 30d
      - name: checkout-latency
        service: checkout
        spans:
          kind: server
        indicator:
          latency:
            threshold: 300ms
        target: 95
        period: 30d
`

// checkoutSpans builds the span set whose SLO values the test works out by
// hand. All spans are server spans of service checkout:
//
//	ended 2m ago:  200 spans, 2 with HTTP 503, 2 with status ERROR,
//	               10 of the good ones slow (500ms)
//	ended 45m ago: 100 spans, all good and fast, 4 of them HTTP 404
//	ended 3h ago:  100 spans, 10 with gRPC UNAVAILABLE, 5 good but slow (1s)
//
// plus a client span and a span of another service, which no objective takes.
func checkoutSpans(now time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	add := func(n int, ago, length time.Duration, mutate func(ptrace.Span)) {
		for i := 0; i < n; i++ {
			span := spans.AppendEmpty()
			span.SetName("POST /api/checkout")
			span.SetKind(ptrace.SpanKindServer)
			end := now.Add(-ago)
			span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
			span.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-length)))
			span.Attributes().PutStr("http.route", "/api/checkout")
			span.Attributes().PutInt("http.response.status_code", 200)
			if mutate != nil {
				mutate(span)
			}
		}
	}
	fast, slow := 100*time.Millisecond, 500*time.Millisecond
	add(186, 2*time.Minute, fast, nil)
	add(10, 2*time.Minute, slow, nil)
	add(2, 2*time.Minute, fast, func(s ptrace.Span) { s.Attributes().PutInt("http.response.status_code", 503) })
	add(2, 2*time.Minute, fast, func(s ptrace.Span) { s.Status().SetCode(ptrace.StatusCodeError) })
	add(96, 45*time.Minute, fast, nil)
	add(4, 45*time.Minute, fast, func(s ptrace.Span) { s.Attributes().PutInt("http.response.status_code", 404) })
	add(85, 3*time.Hour, fast, nil)
	add(5, 3*time.Hour, time.Second, nil)
	add(10, 3*time.Hour, fast, func(s ptrace.Span) { s.Attributes().PutInt("rpc.grpc.status_code", 14) })
	add(1, time.Minute, fast, func(s ptrace.Span) { s.SetKind(ptrace.SpanKindClient) })

	other := td.ResourceSpans().AppendEmpty()
	other.Resource().Attributes().PutStr("service.name", "search")
	span := other.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetKind(ptrace.SpanKindServer)
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-fast)))
	return td
}

func TestDistributionComputesSLOs(t *testing.T) {
	p := newPorts(t)
	c := startCollector(t, collectorConfig(p, checkoutObjectives), p.health)
	sendTraces(t, p.otlpEndpoint(), checkoutSpans(time.Now()))

	avail := map[string]string{"slo_name": "checkout-availability", "job": "checkout"}
	got := waitForSample(t, p.metricsURL(), "slo_events_total", with(avail, "slo_outcome", "bad"), func(v float64) bool { return v == 14 })

	// Availability, target 99%: bad are the 2 HTTP 503, the 2 ERROR and the
	// 10 UNAVAILABLE; HTTP 404 is good.
	assertValue(t, got, "slo_events_total", with(avail, "slo_outcome", "good"), 386)
	assertValue(t, got, "slo_objective", avail, 0.99)
	// 5m and 30m hold the 200 recent spans: 196 good, SLI 0.98, burn rate
	// (4/200)/0.01 = 2.
	assertValue(t, got, "slo_sli", with(avail, "slo_window", "5m"), 0.98)
	assertValue(t, got, "slo_sli", with(avail, "slo_window", "30m"), 0.98)
	assertValue(t, got, "slo_burn_rate", with(avail, "slo_window", "5m"), 2)
	// 1h adds the 100 spans of 45m ago: 296/300.
	assertValue(t, got, "slo_sli", with(avail, "slo_window", "1h"), 296.0/300)
	assertValue(t, got, "slo_burn_rate", with(avail, "slo_window", "1h"), (4.0/300)/0.01)
	// 6h and longer hold all 400: 386/400 = 0.965, burn rate 3.5.
	assertValue(t, got, "slo_sli", with(avail, "slo_window", "6h"), 0.965)
	assertValue(t, got, "slo_sli", with(avail, "slo_window", "30d"), 0.965)
	assertValue(t, got, "slo_burn_rate", with(avail, "slo_window", "30d"), 3.5)
	// 14 bad of the 4 the budget allows: 1 - 14/4 = -2.5, already exhausted.
	assertValue(t, got, "slo_error_budget_remaining", avail, -2.5)
	assertValue(t, got, "slo_error_budget_exhaustion_seconds", with(avail, "slo_window", "1h"), 0)
	// Workbook alerts for 30d: only the 3d/6h ticket (burn > 1 over both) fires;
	// sev3 needs 2h above 3, which is 1.33.
	assertValue(t, got, "slo_alert", with(with(avail, "slo_alert_name", "page"), "slo_severity", "sev1"), 0)
	assertValue(t, got, "slo_alert", with(with(avail, "slo_alert_name", "page"), "slo_severity", "sev2"), 0)
	assertValue(t, got, "slo_alert", with(with(avail, "slo_alert_name", "ticket"), "slo_severity", "sev3"), 0)
	assertValue(t, got, "slo_alert", with(with(avail, "slo_alert_name", "ticket"), "slo_severity", "sev4"), 1)

	// Latency, target 95%, threshold 300ms: slow are 10 recent and 5 old.
	latency := map[string]string{"slo_name": "checkout-latency", "job": "checkout"}
	assertValue(t, got, "slo_events_total", with(latency, "slo_outcome", "good"), 385)
	assertValue(t, got, "slo_events_total", with(latency, "slo_outcome", "bad"), 15)
	assertValue(t, got, "slo_sli", with(latency, "slo_window", "5m"), 0.95)
	assertValue(t, got, "slo_sli", with(latency, "slo_window", "2h"), 290.0/300)
	assertValue(t, got, "slo_sli", with(latency, "slo_window", "3d"), 385.0/400)
	// 15 bad of the 20 allowed: a quarter of the budget is left.
	assertValue(t, got, "slo_error_budget_remaining", latency, 0.25)
	// At the 30d burn rate of (15/400)/0.05 = 0.75, the quarter lasts
	// 0.25 * 30d / 0.75 = 10 days.
	assertValue(t, got, "slo_burn_rate", with(latency, "slo_window", "30d"), 0.75)
	assertValue(t, got, "slo_error_budget_exhaustion_seconds", with(latency, "slo_window", "30d"), 10*24*3600)
	for _, severity := range []string{"sev1", "sev2", "sev3", "sev4"} {
		value, ok := find(got, "slo_alert", with(latency, "slo_severity", severity))
		require.True(t, ok, severity)
		assert.Zero(t, value, severity)
	}

	// The component's own telemetry saw 402 spans, 400 eligible per objective.
	telemetry := scrape(t, p.telemetryURL())
	assertValue(t, telemetry, "otelcol_slo_spans_evaluated", nil, 402)
	assertValue(t, telemetry, "otelcol_slo_spans_eligible", map[string]string{"slo_name": "checkout-availability"}, 400)
	assertValue(t, telemetry, "otelcol_slo_spans_counted", map[string]string{"slo_name": "checkout-latency"}, 400)

	require.NoError(t, c.stop(syscall.SIGTERM))
}

func TestDistributionRefusesABadConfig(t *testing.T) {
	p := newPorts(t)
	bad := collectorConfig(p, `
    objectives:
      - name: broken
        indicator:
          latency: {threshold: 0s}
        target: 100
        period: 30d
`)
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o600))

	for _, args := range [][]string{{"validate", "--config", path}, {"--config", path}} {
		cmd := exec.Command(binary(t), args...)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "%v must fail:\n%s", args, out)
		assert.Contains(t, string(out), `objective "broken": target: must be a percentage greater than 0 and less than 100, got 100`)
		assert.Contains(t, string(out), `objective "broken": indicator.latency.threshold: must be positive, got 0s`)
	}
}

func TestExampleConfigsValidate(t *testing.T) {
	configs, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	require.NoError(t, err)
	nested, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "*.yaml"))
	require.NoError(t, err)
	configs = append(configs, nested...)
	require.NotEmpty(t, configs)
	for _, config := range configs {
		if filepath.Base(filepath.Dir(config)) == "prometheus" {
			continue // Prometheus rule and scrape files, checked by promtool.
		}
		t.Run(filepath.Base(config), func(t *testing.T) {
			out, err := exec.Command(binary(t), "validate", "--config", config).CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}

func with(labels map[string]string, key, value string) map[string]string {
	out := map[string]string{key: value}
	for k, v := range labels {
		out[k] = v
	}
	return out
}

func assertValue(t *testing.T, samples map[string][]sample, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := find(samples, name, labels)
	if !assert.True(t, ok, "no single %s%v; have:\n%s", name, labels, describe(samples, name)) {
		return
	}
	// Relative tolerance: the values are ratios of exact counts, off from the
	// hand-worked figure only by float rounding.
	assert.InDelta(t, want, got, 1e-9*max(1, math.Abs(want)), "%s%v", name, labels)
}
