package sloconnector // import "github.com/otelcol-slo/otelcol-slo/connector/sloconnector"

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-slo/otelcol-slo/connector/sloconnector/internal/metadata"
	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/slometrics"
	"github.com/otelcol-slo/otelcol-slo/internal/slotelemetry"
)

// sloConnector evaluates spans with the engine and emits the SLO metrics every
// flush interval, and once more on shutdown.
type sloConnector struct {
	config    *Config
	logger    *zap.Logger
	engine    *engine.Engine
	builder   *slometrics.Builder
	telemetry *slotelemetry.Telemetry
	next      consumer.Metrics
	now       func() time.Time

	// lifecycle guards started and stop, so that Shutdown works without Start
	// and more than once.
	lifecycle sync.Mutex
	started   bool
	stop      chan struct{}
	done      chan struct{}
}

var _ connector.Traces = (*sloConnector)(nil)

func newConnector(set connector.Settings, cfg *Config, next consumer.Metrics) (*sloConnector, error) {
	objectives, settings, err := cfg.Compile(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e, err := engine.New(objectives, settings)
	if err != nil {
		return nil, fmt.Errorf("creating the SLO engine: %w", err)
	}
	temporality, err := cfg.aggregationTemporality()
	if err != nil {
		return nil, err
	}
	telemetry, err := slotelemetry.New(set.TelemetrySettings, e)
	if err != nil {
		return nil, err
	}
	return &sloConnector{
		config:    cfg,
		logger:    set.Logger,
		engine:    e,
		builder:   slometrics.NewBuilder(metadata.ScopeName, set.BuildInfo.Version, temporality),
		telemetry: telemetry,
		next:      next,
		now:       time.Now,
	}, nil
}

func (c *sloConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *sloConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	c.engine.ConsumeTraces(ctx, td, c.now(), nil)
	return nil
}

func (c *sloConnector) Start(context.Context, component.Host) error {
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	if c.started {
		return nil
	}
	c.started = true
	c.stop = make(chan struct{})
	c.done = make(chan struct{})
	go c.flushLoop(c.config.FlushInterval.Std())
	return nil
}

func (c *sloConnector) flushLoop(interval time.Duration) {
	defer close(c.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			c.flush(context.Background())
		case <-c.stop:
			return
		}
	}
}

// Shutdown stops the flush loop and emits the final state.
func (c *sloConnector) Shutdown(ctx context.Context) error {
	c.lifecycle.Lock()
	defer c.lifecycle.Unlock()
	if c.started {
		close(c.stop)
		<-c.done
		c.started = false
		c.flush(ctx)
	}
	return c.telemetry.Shutdown()
}

func (c *sloConnector) flush(ctx context.Context) {
	begin := time.Now()
	md := c.builder.Build(c.engine.Snapshot(c.now()))
	c.telemetry.RecordFlush(ctx, time.Since(begin))
	if md.DataPointCount() == 0 {
		return
	}
	if err := c.next.ConsumeMetrics(ctx, md); err != nil {
		c.logger.Warn("exporting SLO metrics failed", zap.Error(err), zap.Int("data_points", md.DataPointCount()))
	}
}
