package sloconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-slo/otelcol-slo/connector/sloconnector/internal/metadata"
	"github.com/otelcol-slo/otelcol-slo/internal/engine"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return cfg, err
	}
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		cfg, err := loadConfig(t, "defaults")
		require.NoError(t, err)
		assert.Equal(t, 15*time.Second, cfg.FlushInterval.Std())
		assert.Equal(t, 5*time.Minute, cfg.MaxClockSkew.Std())
		assert.Equal(t, 10000, cfg.MaxSeries)
		require.Len(t, cfg.Objectives, 1)
		o := cfg.Objectives[0]
		assert.Equal(t, "checkout-availability", o.Name)
		assert.NotNil(t, o.Indicator.Availability)
		assert.InDelta(t, 99.9, o.Target, 0)
		assert.Equal(t, 30*24*time.Hour, o.Period.Std())
	})

	t.Run("full", func(t *testing.T) {
		cfg, err := loadConfig(t, "full")
		require.NoError(t, err)
		assert.Equal(t, 30*time.Second, cfg.FlushInterval.Std())
		assert.Equal(t, 2*time.Minute, cfg.MaxClockSkew.Std())
		assert.Equal(t, 500, cfg.MaxSeries)
		require.Len(t, cfg.Objectives, 4)

		avail := cfg.Objectives[0]
		assert.Equal(t, "checkout", avail.Service)
		assert.Equal(t, "server", avail.Spans.Kind)
		assert.Equal(t, []string{`attributes["http.route"] == "/api/checkout"`}, avail.Spans.Conditions)
		assert.Equal(t, []string{"http.route"}, avail.GroupBy)
		assert.Equal(t, "workbook", avail.Alerts)
		assert.Equal(t, map[string]string{"team": "payments", "tier": "1"}, avail.Attributes)

		latency := cfg.Objectives[1]
		require.NotNil(t, latency.Indicator.Latency)
		assert.Equal(t, 300*time.Millisecond, latency.Indicator.Latency.Threshold.Std())
		assert.Equal(t, 28*24*time.Hour, latency.Period.Std())
		require.Len(t, latency.Windows, 3)
		assert.Equal(t, 24*time.Hour, latency.Windows[2].Std())

		assert.Len(t, cfg.Objectives[2].Indicator.Bad, 2)
		assert.Equal(t, "none", cfg.Objectives[2].Alerts)
		assert.Equal(t, []string{"end_time_unix_nano - start_time_unix_nano < 250000000"}, cfg.Objectives[3].Indicator.Good)

		// The compiled form: units converted, windows completed, tiers resolved.
		objectives, settings, err := cfg.Compile(componenttest.NewNopTelemetrySettings())
		require.NoError(t, err)
		assert.Equal(t, 2*time.Minute, settings.MaxClockSkew)
		assert.Equal(t, 500, settings.MaxSeries)
		assert.InDelta(t, 0.999, objectives[0].Target, 1e-15)
		assert.Equal(t, []time.Duration{
			5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour,
			24 * time.Hour, 72 * time.Hour, 30 * 24 * time.Hour,
		}, objectives[0].Windows)
		require.Len(t, objectives[0].Alerts, 4)
		assert.Equal(t, []engine.Attribute{{Key: "team", Value: "payments"}, {Key: "tier", Value: "1"}}, objectives[0].Attributes)

		// Custom windows plus the alert windows (2h) plus the period.
		assert.Equal(t, []time.Duration{
			5 * time.Minute, time.Hour, 2 * time.Hour, 24 * time.Hour, 28 * 24 * time.Hour,
		}, objectives[1].Windows)
		require.Len(t, objectives[1].Alerts, 2)
		page := objectives[1].Alerts[0]
		assert.Equal(t, "call the checkout on-call", page.Escalation)
		assert.Equal(t, uint64(20), page.MinEvents)
		assert.InDelta(t, 14.4, page.BurnRate, 0)
		// 10% of a 28d budget within 1d: burn rate 0.1 * 28 = 2.8.
		assert.InDelta(t, 2.8, objectives[1].Alerts[1].BurnRate, 1e-12)

		assert.Empty(t, objectives[2].Alerts)
		// A 7d period keeps the windows up to 3d.
		assert.Equal(t, 7*24*time.Hour, objectives[2].Windows[len(objectives[2].Windows)-1])
		// A 1d period drops the 3d tier and scales the others by 1/30.
		require.Len(t, objectives[3].Alerts, 3)
		assert.InDelta(t, 14.4/30, objectives[3].Alerts[0].BurnRate, 1e-12)
	})
}

func TestConfigValidationErrors(t *testing.T) {
	tests := map[string]string{
		"no_objectives":          "objectives: at least one objective is required",
		"invalid_flush_interval": "flush_interval: must be positive, got 0s",
		"invalid_temporality":    `temporality: must be "cumulative" or "delta", got "Delta"`,
		"invalid_limits":         "max_clock_skew: must not be negative, got -1m\nmax_series: must be positive, got 0",
		"invalid_target": `objective "too-high": target: must be a percentage greater than 0 and less than 100, got 100` + "\n" +
			`objective "zero": target: must be a percentage greater than 0 and less than 100, got 0` + "\n" +
			`objective "negative": target: must be a percentage greater than 0 and less than 100, got -5`,
		"invalid_period": `objective "missing": period: is required, e.g. 30d` + "\n" +
			`objective "short": period: must be at least 1h, got 30m`,
		"duplicate_names": `objective "twice": name: duplicate of objective #1`,
		"missing_name":    `objective #1: name: must not be empty`,
		"unknown_kind":    `objective "kinds": spans.kind: unknown span kind "sever", expected one of server, client, internal, producer, consumer`,
		"bad_latency":     `objective "latency": indicator.latency.threshold: must be positive, got 0s`,
		"no_indicator":    `objective "none": indicator: exactly one of availability, latency, good or bad is required, got none`,
		"two_indicators":  `objective "two": indicator: exactly one of availability, latency, good or bad is required, got availability and latency`,
		"bad_group_by":    `objective "groups": group_by: attribute "http.route" is listed twice`,
		"bad_windows":     `objective "windows": windows: window 30s is shorter than 1m`,
		"bad_attributes": `objective "labelled": attributes: key "service.name" is reserved for the metric contract` + "\n" +
			`objective "labelled": attributes: key "slo.name" is reserved for the metric contract` + "\n" +
			`objective "labelled": attributes: key "team" is also in group_by`,
		"bad_alerts": `objective "alerts-word": alerts: unknown value "sometimes", expected "workbook", "none" or a list of tiers` + "\n" +
			`objective "alerts-tiers": alerts[0]: tier "page": long_window: must be longer than short_window 1h, got 5m` + "\n" +
			`objective "alerts-tiers": alerts[1]: tier "both": burn_rate and budget_consumed: set only one` + "\n" +
			`objective "alerts-tiers": alerts[2]: name: must not be empty` + "\n" +
			`objective "alerts-tiers": alerts[2]: long_window: must not be longer than the period 1d, got 2d` + "\n" +
			`objective "alerts-tiers": alerts[2]: burn_rate or budget_consumed: one is required` + "\n" +
			`objective "alerts-tiers": alerts[3]: tier "typo": unknown key "burnrate", expected one of name, severity, escalation, long_window, short_window, burn_rate, budget_consumed, min_events`,
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			require.Error(t, err)
			assert.Equal(t, want, err.Error())
		})
	}
}

func TestConfigValidationOTTLErrors(t *testing.T) {
	// The parser's own message follows ours; assert the part that names the
	// objective, the field and the expression.
	tests := map[string]string{
		"bad_condition":           `objective "ottl": spans.conditions: OTTL condition "attributes[\"http.route\"] = = \"/x\"" does not parse: `,
		"bad_indicator_condition": `objective "ottl-good": indicator.good: OTTL condition "nosuchfunc(name)" does not parse: `,
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}
