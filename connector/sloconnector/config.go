package sloconnector // import "github.com/otelcol-slo/otelcol-slo/connector/sloconnector"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// Config is the slo connector's configuration. The objectives and limits are
// shared with the slo processor; the embedded sloconfig.Config validates them.
type Config struct {
	// FlushInterval is how often SLO metrics are emitted.
	FlushInterval duration.Duration `mapstructure:"flush_interval"`
	// Temporality of slo.events: cumulative (the default) or delta.
	Temporality string `mapstructure:"temporality"`

	sloconfig.Config `mapstructure:",squash"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the whole configuration, so that the collector refuses to
// start with any bad objective.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.FlushInterval <= 0 {
		errs = append(errs, fmt.Errorf("flush_interval: must be positive, got %s", cfg.FlushInterval))
	}
	if _, err := cfg.aggregationTemporality(); err != nil {
		errs = append(errs, err)
	}
	if err := cfg.Check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

const (
	temporalityCumulative = "cumulative"
	temporalityDelta      = "delta"
)

func (cfg *Config) aggregationTemporality() (pmetric.AggregationTemporality, error) {
	switch cfg.Temporality {
	case temporalityCumulative:
		return pmetric.AggregationTemporalityCumulative, nil
	case temporalityDelta:
		return pmetric.AggregationTemporalityDelta, nil
	default:
		return pmetric.AggregationTemporalityUnspecified, fmt.Errorf("temporality: must be %q or %q, got %q", temporalityCumulative, temporalityDelta, cfg.Temporality)
	}
}
