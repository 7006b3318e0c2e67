package sloconnector // import "github.com/otelcol-slo/otelcol-slo/connector/sloconnector"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-slo/otelcol-slo/connector/sloconnector/internal/metadata"
	"github.com/otelcol-slo/otelcol-slo/internal/slometrics"
	"github.com/otelcol-slo/otelcol-slo/internal/sloruntime"
)

// sloConnector evaluates spans with the engine and emits the SLO metrics every
// flush interval, and once more on shutdown.
type sloConnector struct {
	config  *Config
	logger  *zap.Logger
	runtime *sloruntime.Runtime
	builder *slometrics.Builder
	next    consumer.Metrics
}

var _ connector.Traces = (*sloConnector)(nil)

func newConnector(set connector.Settings, cfg *Config, next consumer.Metrics) (*sloConnector, error) {
	temporality, err := cfg.aggregationTemporality()
	if err != nil {
		return nil, err
	}
	runtime, err := sloruntime.New(set.TelemetrySettings, component.KindConnector, set.ID, &cfg.Config)
	if err != nil {
		return nil, err
	}
	return &sloConnector{
		config:  cfg,
		logger:  set.Logger,
		runtime: runtime,
		builder: slometrics.NewBuilder(metadata.ScopeName, set.BuildInfo.Version, temporality),
		next:    next,
	}, nil
}

func (c *sloConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *sloConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	c.runtime.Engine.ConsumeTraces(ctx, td, c.runtime.Now(), nil)
	return nil
}

func (c *sloConnector) Start(ctx context.Context, host component.Host) error {
	return c.runtime.Start(ctx, host, c.config.FlushInterval.Std(), c.flushAt)
}

// Shutdown stops the flush loop and emits the final state.
func (c *sloConnector) Shutdown(ctx context.Context) error {
	return c.runtime.Shutdown(ctx, c.flushAt)
}

// flush emits the state at the collector's clock.
func (c *sloConnector) flush(ctx context.Context) {
	c.flushAt(ctx, c.runtime.Now())
}

func (c *sloConnector) flushAt(ctx context.Context, now time.Time) {
	md := c.builder.Build(c.runtime.Engine.Snapshot(now))
	if md.DataPointCount() == 0 {
		return
	}
	if err := c.next.ConsumeMetrics(ctx, md); err != nil {
		c.logger.Warn("exporting SLO metrics failed", zap.Error(err), zap.Int("data_points", md.DataPointCount()))
	}
}
