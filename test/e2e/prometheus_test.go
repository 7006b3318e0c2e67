package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

// prometheusObjectives are checkoutObjectives with the availability tiers
// spelled out: the workbook table, an escalation on sev4, and a tier of a
// severity the example rules do not name, which their catch-all rule takes.
const prometheusObjectives = `
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
        alerts:
          - {name: page, severity: sev1, long_window: 1h, short_window: 5m, burn_rate: 14.4}
          - {name: page, severity: sev2, long_window: 6h, short_window: 30m, burn_rate: 6}
          - {name: ticket, severity: sev3, long_window: 1d, short_window: 2h, burn_rate: 3}
          - {name: ticket, severity: sev4, long_window: 3d, short_window: 6h, burn_rate: 1,
             escalation: open a ticket for the checkout team}
          - {name: chat, severity: info, long_window: 6h, short_window: 30m, burn_rate: 1.5}
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

// TestPrometheusServerSeesSLOs runs a real Prometheus against the
// distribution: it scrapes the exporter, loads examples/prometheus/alerts.yaml,
// and answers queries with the values the connector computed.
func TestPrometheusServerSeesSLOs(t *testing.T) {
	server, promtool := prometheusBinaries(t)
	rules, err := filepath.Abs(filepath.Join("..", "..", "examples", "prometheus", "alerts.yaml"))
	require.NoError(t, err)
	out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", out)
	out, err = exec.Command(promtool, "check", "config", filepath.Join(filepath.Dir(rules), "prometheus.yml")).CombinedOutput()
	require.NoError(t, err, "promtool check config:\n%s", out)

	p := newPorts(t)
	c := startCollector(t, collectorConfig(p, prometheusObjectives), p.health)
	prom := startPrometheus(t, server, fmt.Sprintf("127.0.0.1:%d", p.prometheus), rules)

	sendTraces(t, p.otlpEndpoint(), checkoutSpans(time.Now()))

	// honor_labels keeps the exporter's job label: the objective's service.
	avail := `slo_name="checkout-availability",job="checkout"`
	prom.waitFor(t, `slo_events_total{`+avail+`,slo_outcome="bad"}`, 14)

	// The numbers of TestDistributionComputesSLOs, now read back through
	// PromQL: 5m holds the 200 recent spans with 4 bad, 1h adds 100 good,
	// the period holds all 400 with 14 bad against a budget of 4.
	prom.assertQuery(t, `slo_events_total{`+avail+`,slo_outcome="good"}`, 386)
	prom.assertQuery(t, `slo_sli{`+avail+`,slo_window="5m"}`, 0.98)
	prom.assertQuery(t, `slo_sli{`+avail+`,slo_window="1h"}`, 296.0/300)
	prom.assertQuery(t, `slo_burn_rate{`+avail+`,slo_window="5m"}`, 2)
	prom.assertQuery(t, `slo_burn_rate{`+avail+`,slo_window="30d"}`, 3.5)
	prom.assertQuery(t, `slo_error_budget_remaining{`+avail+`}`, -2.5)
	// sev4 fires: 3.5 over 3d and over 6h, above 1. sev3 does not: 2h holds
	// 300 spans with 4 bad, burn rate 1.33, under 3. chat fires: 3.5 over
	// 6h and 2 over 30m, both above 1.5.
	for severity, want := range map[string]float64{"sev1": 0, "sev2": 0, "sev3": 0, "sev4": 1, "info": 1} {
		prom.assertQuery(t, `slo_alert{`+avail+`,slo_severity="`+severity+`"}`, want)
	}
	latency := `slo_name="checkout-latency",job="checkout"`
	prom.assertQuery(t, `slo_sli{`+latency+`,slo_window="5m"}`, 0.95)
	prom.assertQuery(t, `slo_error_budget_remaining{`+latency+`}`, 0.25)
	// All four workbook tiers of latency are there, none firing.
	prom.assertQuery(t, `count(slo_alert{`+latency+`})`, 4)
	prom.assertQuery(t, `max(slo_alert{`+latency+`})`, 0)

	// Every rule of the file is loaded and evaluates without error.
	want := exampleRules(t, rules)
	loaded := prom.waitForRules(t, len(want))
	require.Len(t, loaded, len(want))
	for i, rule := range loaded {
		assert.Equal(t, want[i], ruleSummary{rule.Name, rule.Labels["severity"], rule.Duration}, "rule %d", i)
		assert.Equal(t, "ok", rule.Health, "rule %d (%s): %s", i, rule.Query, rule.LastError)
	}

	// The two firing tiers become alerts, pending because their `for:` is
	// longer than this test; the rest stay inactive.
	alerts := prom.waitForAlerts(t, 2)
	require.Len(t, alerts, 2, "%+v", alerts)
	sev4, info := alerts[0], alerts[1]
	if sev4.Labels["severity"] != "sev4" {
		sev4, info = info, sev4
	}
	assert.Equal(t, "pending", sev4.State)
	assert.Equal(t, "SLOErrorBudgetBurn", sev4.Labels["alertname"])
	assert.Equal(t, "sev4", sev4.Labels["severity"])
	assert.Equal(t, "ticket", sev4.Labels["slo_alert_name"])
	assert.Equal(t, "checkout-availability", sev4.Annotations["slo_name"])
	assert.Equal(t, "3d and 6h", sev4.Annotations["window"])
	assert.Equal(t, "open a ticket for the checkout team", sev4.Annotations["escalation"])
	assert.Equal(t, "SLO checkout-availability burns its error budget faster than the period allows (ticket, sev4)", sev4.Annotations["summary"])

	// The catch-all rule passes a severity of the objective's own through.
	assert.Equal(t, "pending", info.State)
	assert.Equal(t, "info", info.Labels["severity"])
	assert.Equal(t, "chat", info.Labels["slo_alert_name"])
	assert.Equal(t, "checkout-availability", info.Annotations["slo_name"])
	assert.Equal(t, "none configured", info.Annotations["escalation"])

	require.NoError(t, c.stop(syscall.SIGTERM))
}

// prometheusBinaries returns the paths of prometheus and promtool, skipping
// the test when they are not installed, and failing it under CI, whose
// .ci/run installs them.
func prometheusBinaries(t *testing.T) (server, promtool string) {
	t.Helper()
	for _, name := range []string{"prometheus", "promtool"} {
		path, err := exec.LookPath(name)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (.ci/run installs it with apt-get install prometheus): %v", name, err)
			}
			t.Skipf("%s is not installed; on Debian or Ubuntu: apt-get install prometheus", name)
		}
		if name == "prometheus" {
			server = path
		} else {
			promtool = path
		}
	}
	return server, promtool
}

// promServer is one running Prometheus server.
type promServer struct {
	base   string
	output *syncBuffer
}

// startPrometheus runs a Prometheus server on a loopback port, with its own
// data directory, scraping target every second and evaluating rules every
// second, and returns once it reports ready.
func startPrometheus(t *testing.T, server, target, rules string) *promServer {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: otelcol-slo
    honor_labels: true
    static_configs:
      - targets: [%q]
`, rules, target)
	path := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))

	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	prom := &promServer{base: "http://" + listen, output: &syncBuffer{}}
	cmd := exec.Command(server,
		"--config.file", path,
		"--storage.tsdb.path", filepath.Join(dir, "data"),
		"--web.listen-address", listen,
	)
	cmd.Stdout, cmd.Stderr = prom.output, prom.output
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("prometheus exited before it was ready: %v\n%s", err, prom.output)
		default:
		}
		resp, err := http.Get(prom.base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return prom
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("prometheus was not ready within 30s:\n%s", prom.output)
	return nil
}

// get decodes the data field of a successful Prometheus API response.
func (p *promServer) get(t *testing.T, path string, data any) {
	t.Helper()
	resp, err := http.Get(p.base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "success", body.Status, "%s: %s", path, body.Error)
	require.NoError(t, json.Unmarshal(body.Data, data))
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query runs an instant query and returns the values of the resulting vector.
func (p *promServer) query(t *testing.T, expr string) []float64 {
	t.Helper()
	var data struct {
		ResultType string       `json:"resultType"`
		Result     []promSample `json:"result"`
	}
	p.get(t, "/api/v1/query?query="+url.QueryEscape(expr), &data)
	require.Equal(t, "vector", data.ResultType, expr)
	values := make([]float64, 0, len(data.Result))
	for _, s := range data.Result {
		text, ok := s.Value[1].(string)
		require.True(t, ok, "%s: value %v", expr, s.Value)
		v, err := strconv.ParseFloat(text, 64)
		require.NoError(t, err, expr)
		values = append(values, v)
	}
	return values
}

// waitFor queries until expr is one sample of value want: the scrape that
// brings it also brings every other series the connector flushed with it.
func (p *promServer) waitFor(t *testing.T, expr string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last []float64
	for time.Now().Before(deadline) {
		if last = p.query(t, expr); len(last) == 1 && last[0] == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s was not %v within 30s; last result %v\nprometheus output:\n%s", expr, want, last, p.output)
}

func (p *promServer) assertQuery(t *testing.T, expr string, want float64) {
	t.Helper()
	got := p.query(t, expr)
	if assert.Len(t, got, 1, expr) {
		assert.InDelta(t, want, got[0], 1e-9*max(1, want, -want), expr)
	}
}

type promRule struct {
	Name           string            `json:"name"`
	Query          string            `json:"query"`
	Duration       float64           `json:"duration"`
	Labels         map[string]string `json:"labels"`
	Health         string            `json:"health"`
	LastError      string            `json:"lastError"`
	LastEvaluation time.Time         `json:"lastEvaluation"`
}

// waitForRules returns the rules Prometheus loaded, once n of them have been
// evaluated at least once.
func (p *promServer) waitForRules(t *testing.T, n int) []promRule {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var rules []promRule
	for time.Now().Before(deadline) {
		var data struct {
			Groups []struct {
				Rules []promRule `json:"rules"`
			} `json:"groups"`
		}
		p.get(t, "/api/v1/rules", &data)
		rules = rules[:0]
		evaluated := 0
		for _, g := range data.Groups {
			for _, r := range g.Rules {
				rules = append(rules, r)
				if !r.LastEvaluation.IsZero() {
					evaluated++
				}
			}
		}
		if evaluated >= n {
			return rules
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%d rules were not all evaluated within 30s: %+v\nprometheus output:\n%s", n, rules, p.output)
	return nil
}

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

// waitForAlerts returns the active alerts once there are at least n.
func (p *promServer) waitForAlerts(t *testing.T, n int) []promAlert {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var data struct {
		Alerts []promAlert `json:"alerts"`
	}
	for time.Now().Before(deadline) {
		p.get(t, "/api/v1/alerts", &data)
		if len(data.Alerts) >= n {
			return data.Alerts
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("fewer than %d alerts within 30s: %+v", n, data.Alerts)
	return nil
}

// ruleSummary is what a rule file and the rules API say alike about a rule.
type ruleSummary struct {
	name     string
	severity string
	seconds  float64
}

// exampleRules reads the alerting rules of a rule file, in order.
func exampleRules(t *testing.T, path string) []ruleSummary {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	retrieved, err := confmap.NewRetrievedFromYAML(raw)
	require.NoError(t, err)
	conf, err := retrieved.AsConf()
	require.NoError(t, err)
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert  string            `mapstructure:"alert"`
				For    string            `mapstructure:"for"`
				Labels map[string]string `mapstructure:"labels"`
			} `mapstructure:"rules"`
		} `mapstructure:"groups"`
	}
	require.NoError(t, conf.Unmarshal(&file, confmap.WithIgnoreUnused()))
	var out []ruleSummary
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			d, err := time.ParseDuration(r.For)
			require.NoError(t, err, r.For)
			out = append(out, ruleSummary{r.Alert, r.Labels["severity"], d.Seconds()})
		}
	}
	return out
}
