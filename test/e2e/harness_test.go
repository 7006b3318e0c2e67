package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// binary returns the distribution's path, skipping the test when it is not
// built (failing it under CI).
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test; make test-unit runs with -short")
	}
	path := os.Getenv("OTELCOL_SLO_BINARY")
	if path == "" {
		path = filepath.Join("..", "..", "_build", "otelcol-slo", "otelcol-slo")
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the otelcol-slo distribution is not built at %s (run `make build`): %v", path, err)
		}
		t.Skipf("the otelcol-slo distribution is not built at %s; run `make test`, which builds it", path)
	}
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	return abs
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// collector is one running otelcol-slo process.
type collector struct {
	t      *testing.T
	cmd    *exec.Cmd
	output *syncBuffer
	exited chan error
}

// startCollector writes config to a file and starts the distribution on it,
// returning once its health_check extension (at healthPort) answers.
func startCollector(t *testing.T, config string, healthPort int) *collector {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))
	c := &collector{t: t, output: &syncBuffer{}, exited: make(chan error, 1)}
	c.cmd = exec.Command(binary(t), "--config", path)
	c.cmd.Stdout, c.cmd.Stderr = c.output, c.output
	require.NoError(t, c.cmd.Start())
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() { c.stop(syscall.SIGKILL) })

	url := fmt.Sprintf("http://127.0.0.1:%d/", healthPort)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.exited:
			c.exited <- err
			t.Fatalf("the collector exited before it was ready: %v\n%s", err, c.output)
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the collector was not healthy within 60s:\n%s", c.output)
	return nil
}

// stop ends the process with sig and waits for it; it returns the exit error.
func (c *collector) stop(sig syscall.Signal) error {
	if c.cmd.ProcessState != nil {
		return nil
	}
	_ = c.cmd.Process.Signal(sig)
	select {
	case err := <-c.exited:
		c.exited <- err
		return err
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		c.t.Errorf("the collector did not stop within 30s after %v:\n%s", sig, c.output)
		return <-c.exited
	}
}

// sendTraces exports td over OTLP/gRPC and requires the whole batch accepted.
func sendTraces(t *testing.T, endpoint string, td ptrace.Traces) {
	t.Helper()
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
	require.NoError(t, err)
	require.Zero(t, resp.PartialSuccess().RejectedSpans(), resp.PartialSuccess().ErrorMessage())
}

// sample is one scraped Prometheus sample.
type sample struct {
	labels map[string]string
	value  float64
}

// scrape reads a Prometheus text endpoint into samples by metric name.
func scrape(t *testing.T, url string) map[string][]sample {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	out := map[string][]sample{}
	for name, family := range families {
		for _, m := range family.GetMetric() {
			s := sample{labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			s.value = metricValue(family.GetType(), m)
			out[name] = append(out[name], s)
		}
	}
	return out
}

func metricValue(typ dto.MetricType, m *dto.Metric) float64 {
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}

// find returns the value of the one sample of name whose labels include want.
func find(samples map[string][]sample, name string, want map[string]string) (float64, bool) {
	var found []float64
	for _, s := range samples[name] {
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
				break
			}
		}
		if match {
			found = append(found, s.value)
		}
	}
	if len(found) != 1 {
		return 0, false
	}
	return found[0], true
}

// waitForSample scrapes until name has a sample with the labels and value
// pred accepts, returning the last scrape.
func waitForSample(t *testing.T, url, name string, labels map[string]string, pred func(float64) bool) map[string][]sample {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last map[string][]sample
	for time.Now().Before(deadline) {
		last = scrape(t, url)
		if v, ok := find(last, name, labels); ok && pred(v) {
			return last
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no %s%v matching within 30s; last scrape had:\n%s", name, labels, describe(last, name))
	return nil
}

func describe(samples map[string][]sample, name string) string {
	var b strings.Builder
	for _, s := range samples[name] {
		fmt.Fprintf(&b, "  %v %v\n", s.labels, s.value)
	}
	return b.String()
}
