package sloconfig

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"
)

// FuzzConfig feeds arbitrary YAML through the collector's own decoding and
// the validation: whatever the input, the result is a config or an error,
// never a panic, and a config that passes Check compiles.
func FuzzConfig(f *testing.F) {
	for _, seed := range []string{
		`objectives: [{name: a, indicator: {availability: {}}, target: 99.9, period: 30d}]`,
		`objectives: [{name: a, indicator: {latency: {threshold: 300ms}}, target: 99, period: 4w, windows: [5m, 1h]}]`,
		`objectives: [{name: a, spans: {kind: server, conditions: ['attributes["x"] == "y"']}, indicator: {bad: ['status.code == STATUS_CODE_ERROR']}, target: 95, period: 1d, group_by: [http.route]}]`,
		`objectives: [{name: a, indicator: {good: ['end_time_unix_nano - start_time_unix_nano < 100']}, target: 50, period: 1h, alerts: none}]`,
		`objectives: [{name: a, indicator: {availability: {}}, target: 99, period: 7d, alerts: [{name: p, severity: sev1, long_window: 1h, short_window: 5m, burn_rate: 14.4, min_events: 3}, {name: t, severity: sev3, long_window: 1d, short_window: 2h, budget_consumed: 10}]}]`,
		`max_series: -1
max_clock_skew: -5m
objectives: [{target: 100, period: 1m, indicator: {}}]`,
		`objectives: [{name: a, indicator: {availability: {}, latency: {threshold: 0s}}, target: .nan, period: 1.5d, windows: [30s, 90d]}]`,
		`objectives: [{name: a, alerts: {x: 1}}, {name: a, alerts: [1, "x", {burnrate: 2}]}]`,
		`objectives: 7`,
		`{`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var raw map[string]any
		if err := yaml.Unmarshal([]byte(text), &raw); err != nil || raw == nil {
			return
		}
		cfg := Default()
		if err := confmap.NewFromStringMap(raw).Unmarshal(&cfg); err != nil {
			return
		}
		err := cfg.Check()
		objectives, _, compileErr := cfg.Compile(componenttest.NewNopTelemetrySettings())
		if (err == nil) != (compileErr == nil) {
			t.Fatalf("Check and Compile disagree: %v / %v", err, compileErr)
		}
		if err != nil {
			// Every problem is on a line of its own and names what it is about.
			for _, line := range strings.Split(err.Error(), "\n") {
				if line == "" {
					t.Fatalf("empty error line in %q", err)
				}
			}
			return
		}
		for _, o := range objectives {
			if o.Windows[len(o.Windows)-1] != o.Period || o.Target <= 0 || o.Target >= 1 {
				t.Fatalf("compiled objective out of bounds: %+v", o)
			}
		}
	})
}
