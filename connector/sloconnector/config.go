package sloconnector // import "github.com/otelcol-slo/otelcol-slo/connector/sloconnector"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// Config is the slo connector's configuration. The objectives and limits are
// shared with the slo processor; the embedded sloconfig.Config validates them.
type Config struct {
	// FlushInterval is how often SLO metrics are emitted.
	FlushInterval duration.Duration `mapstructure:"flush_interval"`

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
	if err := cfg.Check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
