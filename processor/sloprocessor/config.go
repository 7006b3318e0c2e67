package sloprocessor // import "github.com/otelcol-slo/otelcol-slo/processor/sloprocessor"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// Config is the slo processor's configuration. The objectives and limits are
// the same as the slo connector's.
type Config struct {
	// Annotate adds slo.name, slo.outcome and slo.burning to eligible spans.
	Annotate bool `mapstructure:"annotate"`
	// EvaluationInterval is how often alert tiers are evaluated, which is
	// when slo.burning changes.
	EvaluationInterval duration.Duration `mapstructure:"evaluation_interval"`

	sloconfig.Config `mapstructure:",squash"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the whole configuration, so that the collector refuses to
// start with any bad objective.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.EvaluationInterval <= 0 {
		errs = append(errs, fmt.Errorf("evaluation_interval: must be positive, got %s", cfg.EvaluationInterval))
	}
	if err := cfg.Check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
