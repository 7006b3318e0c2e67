package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Objectives of the soak configuration. Neither filters on service or kind,
// so each takes every span loadgen sends: their counts must equal loadgen's.
const (
	availabilityObjective = "soak-availability"
	latencyObjective      = "soak-latency"
)

// flushInterval is short so that the final flush after the load comes soon.
const flushInterval = 2 * time.Second

// ports are the loopback ports of the soaked collector. Free ones are picked
// so that a soak can run next to `make run` or the demo.
type ports struct{ otlp, prometheus, telemetry, health int }

func pickPorts() (ports, error) {
	var p ports
	for _, dst := range []*int{&p.otlp, &p.prometheus, &p.telemetry, &p.health} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return p, err
		}
		*dst = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	return p, nil
}

func (p ports) otlpEndpoint() string { return fmt.Sprintf("127.0.0.1:%d", p.otlp) }
func (p ports) metricsURL() string   { return fmt.Sprintf("http://127.0.0.1:%d/metrics", p.prometheus) }
func (p ports) telemetryURL() string { return fmt.Sprintf("http://127.0.0.1:%d/metrics", p.telemetry) }

// config groups by service and route so that the engine keeps several
// series per objective, as it would in production, rather than one hot one.
func config(p ports) string {
	return fmt.Sprintf(`
extensions:
  health_check:
    endpoint: 127.0.0.1:%d
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
connectors:
  slo:
    flush_interval: %s
    objectives:
      - name: %s
        description: every span of the soak, by service and route
        indicator:
          availability: {}
        target: 99
        period: 30d
        group_by: [service.name, http.route]
      - name: %s
        description: every span of the soak within 300ms, by route
        indicator:
          latency:
            threshold: 300ms
        target: 95
        period: 30d
        group_by: [http.route]
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
`, p.health, p.otlp, flushInterval, availabilityObjective, latencyObjective, p.prometheus, p.telemetry)
}

// collector is the soaked otelcol-slo process.
type collector struct {
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
	err    error
}

// startCollector starts binary on the soak configuration in dir and returns
// once its health check answers.
func startCollector(binary, dir string, p ports) (*collector, error) {
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config(p)), 0o600); err != nil {
		return nil, err
	}
	c := &collector{log: filepath.Join(dir, "collector.log"), exited: make(chan struct{})}
	logFile, err := os.Create(c.log)
	if err != nil {
		return nil, err
	}
	c.cmd = exec.Command(binary, "--config", cfgPath)
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	if err := c.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		logFile.Close()
		close(c.exited)
	}()

	health := fmt.Sprintf("http://127.0.0.1:%d/", p.health)
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if !c.running() {
			return nil, fmt.Errorf("the collector exited during start (%v); log: %s", c.err, c.log)
		}
		if resp, err := client.Get(health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
	}
	c.stop()
	return nil, fmt.Errorf("the collector was not healthy within 60s; log: %s", c.log)
}

func (c *collector) pid() int { return c.cmd.Process.Pid }

func (c *collector) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// stop ends the collector gracefully, killing it after 30s, and returns the
// exit error of a collector that did not stop cleanly.
func (c *collector) stop() error {
	if !c.running() {
		return c.err
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.err
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("the collector did not stop within 30s of SIGTERM")
	}
}
