package sloconfig

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
)

func TestIdenticalConditionsCompileOnce(t *testing.T) {
	objective := func(name string, conditions []string, bad []string) Objective {
		return Objective{
			Name:      name,
			Spans:     SpanSelector{Conditions: conditions},
			Indicator: Indicator{Bad: bad},
			Target:    99,
			Period:    duration.Duration(24 * time.Hour),
		}
	}
	eligible := []string{`attributes["http.request.method"] != "OPTIONS"`}
	cfg := Default()
	cfg.Objectives = []Objective{
		objective("a", eligible, []string{`status.code == STATUS_CODE_ERROR`}),
		objective("b", eligible, []string{`status.code == STATUS_CODE_ERROR`, `attributes["x"] == 1`}),
		// The same expression as an indicator (logic "or") is another list.
		objective("c", nil, eligible),
	}
	objectives, _, err := cfg.Compile(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	assert.Same(t, objectives[0].Eligible, objectives[1].Eligible)
	assert.NotSame(t, objectives[0].Indicator.Condition, objectives[1].Indicator.Condition)
	assert.NotSame(t, objectives[0].Eligible, objectives[2].Indicator.Condition)
}
