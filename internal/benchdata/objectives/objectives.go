// Package objectives holds the objectives the benchmarks evaluate the shared
// spans of internal/benchdata against. It is a package of its own so that the
// engine's internal tests can use benchdata's spans without an import cycle
// (sloconfig imports the engine).
package objectives

import (
	"fmt"
	"time"

	"github.com/otelcol-slo/otelcol-slo/internal/benchdata"
	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// LatencyThreshold is the threshold of the latency objectives.
const LatencyThreshold = 300 * time.Millisecond

// Presets returns two objectives per service, as a team would write
// them: availability and latency of its server spans, with the semantic
// conventions presets, a 30d period, the default windows and alerts, grouped
// by http.route. For the five default services that is ten objectives.
func Presets(services []string) []sloconfig.Objective {
	if len(services) == 0 {
		services = benchdata.DefaultServices
	}
	var out []sloconfig.Objective
	for _, s := range services {
		out = append(out,
			sloconfig.Objective{
				Name:      s + "-availability",
				Service:   s,
				Spans:     sloconfig.SpanSelector{Kind: "server"},
				Indicator: sloconfig.Indicator{Availability: &sloconfig.AvailabilityIndicator{}},
				Target:    99.9,
				Period:    duration.Duration(30 * duration.Day),
				GroupBy:   []string{"http.route"},
			},
			sloconfig.Objective{
				Name:      s + "-latency",
				Service:   s,
				Spans:     sloconfig.SpanSelector{Kind: "server"},
				Indicator: sloconfig.Indicator{Latency: &sloconfig.LatencyIndicator{Threshold: duration.Duration(LatencyThreshold)}},
				Target:    99,
				Period:    duration.Duration(30 * duration.Day),
				GroupBy:   []string{"http.route"},
			})
	}
	return out
}

// OTTL returns the objectives of Presets written with OTTL
// instead: an eligibility condition on every objective (which holds for every
// generated span, so the same spans count) and the indicators as OTTL bad
// conditions equivalent to the presets on the generated spans.
func OTTL(services []string) []sloconfig.Objective {
	out := Presets(services)
	for i := range out {
		o := &out[i]
		o.Spans.Conditions = []string{`attributes["http.request.method"] != "OPTIONS"`}
		if o.Indicator.Availability != nil {
			o.Indicator = sloconfig.Indicator{Bad: []string{
				`status.code == STATUS_CODE_ERROR`,
				`attributes["http.response.status_code"] >= 500`,
			}}
		} else {
			o.Indicator = sloconfig.Indicator{Bad: []string{
				fmt.Sprintf(`end_time_unix_nano - start_time_unix_nano > %d`, LatencyThreshold.Nanoseconds()),
			}}
		}
	}
	return out
}

// Config returns the configuration both faces share with the objectives and,
// when maxSeries is positive, room for that many series.
func Config(objectives []sloconfig.Objective, maxSeries int) sloconfig.Config {
	cfg := sloconfig.Default()
	cfg.Objectives = objectives
	if maxSeries > 0 {
		cfg.MaxSeries = maxSeries
	}
	return cfg
}
