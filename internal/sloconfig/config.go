// Package sloconfig is the objectives configuration shared by the slo
// connector and the slo processor: its YAML shape, its validation and its
// compilation into engine objectives.
package sloconfig // import "github.com/otelcol-slo/otelcol-slo/internal/sloconfig"

import (
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
)

// Config is the part of the configuration both faces share.
type Config struct {
	// MaxClockSkew is how far in the future a span may end and still count.
	MaxClockSkew duration.Duration `mapstructure:"max_clock_skew"`
	// MaxSeries caps the series over all objectives and group values.
	MaxSeries int `mapstructure:"max_series"`
	// Storage names a storage extension (file_storage) in which window state
	// is checkpointed, so that it survives restarts. Without it, state is in
	// memory only.
	Storage *component.ID `mapstructure:"storage"`
	// CheckpointInterval is how often state is checkpointed to Storage; it is
	// also checkpointed on shutdown.
	CheckpointInterval duration.Duration `mapstructure:"checkpoint_interval"`
	// Objectives are the SLOs to evaluate.
	Objectives []Objective `mapstructure:"objectives"`
}

// Objective is one SLO as written in the configuration.
type Objective struct {
	Name        string `mapstructure:"name"`
	Description string `mapstructure:"description"`
	// Service is the resource service.name a span must come from; empty for any.
	Service   string       `mapstructure:"service"`
	Spans     SpanSelector `mapstructure:"spans"`
	Indicator Indicator    `mapstructure:"indicator"`
	// Target is the percentage of good events promised, e.g. 99.9.
	Target float64 `mapstructure:"target"`
	// Period is the compliance window, e.g. 30d.
	Period duration.Duration `mapstructure:"period"`
	// GroupBy names span attributes, or else resource attributes, that split
	// the objective into one series per value combination.
	GroupBy []string `mapstructure:"group_by"`
	// Attributes are static attributes added to every data point of the
	// objective, such as the owning team.
	Attributes map[string]string `mapstructure:"attributes"`
	// Windows overrides the default trailing windows.
	Windows []duration.Duration `mapstructure:"windows"`
	// Alerts is "workbook" (the default), "none", or a list of AlertTier.
	Alerts any `mapstructure:"alerts"`
}

// SpanSelector says which spans are eligible; all of it must hold.
type SpanSelector struct {
	// Kind is server, client, internal, producer or consumer; empty for any.
	Kind string `mapstructure:"kind"`
	// Conditions are OTTL conditions on the span context, all of which must hold.
	Conditions []string `mapstructure:"conditions"`
}

// Indicator says which eligible spans are good events; exactly one field is set.
type Indicator struct {
	Availability *AvailabilityIndicator `mapstructure:"availability"`
	Latency      *LatencyIndicator      `mapstructure:"latency"`
	// Good lists OTTL conditions: a span is good when any holds.
	Good []string `mapstructure:"good"`
	// Bad lists OTTL conditions: a span is bad when any holds.
	Bad []string `mapstructure:"bad"`
}

// AvailabilityIndicator is the semantic-conventions preset; it has no options.
type AvailabilityIndicator struct{}

// LatencyIndicator counts a span as good when it lasts at most Threshold.
type LatencyIndicator struct {
	Threshold duration.Duration `mapstructure:"threshold"`
}

// AlertTier is one entry of an objective's alert list.
type AlertTier struct {
	Name     string `mapstructure:"name"`
	Severity string `mapstructure:"severity"`
	// Escalation is free text carried with the alert: who to call, a runbook.
	Escalation  string            `mapstructure:"escalation"`
	LongWindow  duration.Duration `mapstructure:"long_window"`
	ShortWindow duration.Duration `mapstructure:"short_window"`
	// BurnRate is the threshold both windows' burn rates must exceed.
	BurnRate float64 `mapstructure:"burn_rate"`
	// BudgetConsumed, instead of BurnRate: fire once this percentage of the
	// period's error budget is spent within the long window.
	BudgetConsumed float64 `mapstructure:"budget_consumed"`
	// MinEvents is the fewest events the long window must hold to fire.
	MinEvents uint64 `mapstructure:"min_events"`
}

const (
	// AlertsWorkbook selects the default multiwindow multi-burn-rate table.
	AlertsWorkbook = "workbook"
	// AlertsNone turns alerts off.
	AlertsNone = "none"

	// DefaultMaxClockSkew, DefaultMaxSeries and DefaultCheckpointInterval
	// are the faces' defaults.
	DefaultMaxClockSkew       = 5 * time.Minute
	DefaultMaxSeries          = 10000
	DefaultCheckpointInterval = 30 * time.Second

	// MinPeriod is the shortest period accepted: shorter SLOs leave too few
	// events per window to mean anything.
	MinPeriod = time.Hour
	// MinWindow is the shortest window accepted.
	MinWindow = time.Minute
)

// Default returns the shared defaults.
func Default() Config {
	return Config{
		MaxClockSkew:       duration.Duration(DefaultMaxClockSkew),
		MaxSeries:          DefaultMaxSeries,
		CheckpointInterval: duration.Duration(DefaultCheckpointInterval),
	}
}
