package sloconnector // import "github.com/otelcol-slo/otelcol-slo/connector/sloconnector"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/otelcol-slo/otelcol-slo/connector/sloconnector/internal/metadata"
	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

const defaultFlushInterval = 15 * time.Second

// NewFactory returns the factory of the slo connector.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToMetrics(createTracesToMetrics, metadata.TracesToMetricsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		FlushInterval: duration.Duration(defaultFlushInterval),
		Temporality:   temporalityCumulative,
		Config:        sloconfig.Default(),
	}
}

func createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
	return newConnector(set, cfg.(*Config), next)
}
