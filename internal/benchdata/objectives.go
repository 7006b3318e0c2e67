package benchdata

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// LatencyThreshold is the threshold of the latency objectives.
const LatencyThreshold = 300 * time.Millisecond

// PresetObjectives returns two objectives per service, as a team would write
// them: availability and latency of its server spans, with the semantic
// conventions presets, a 30d period, the default windows and alerts, grouped
// by http.route. For the five default services that is ten objectives.
func PresetObjectives(services []string) []sloconfig.Objective {
	if len(services) == 0 {
		services = DefaultServices
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

// OTTLObjectives returns the objectives of PresetObjectives written with OTTL
// instead: an eligibility condition on every objective (which holds for every
// generated span, so the same spans count) and the indicators as OTTL bad
// conditions equivalent to the presets on the generated spans.
func OTTLObjectives(services []string) []sloconfig.Objective {
	out := PresetObjectives(services)
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

// Config returns a connector-shared configuration with the objectives and
// room for maxSeries series.
func SLOConfig(objectives []sloconfig.Objective, maxSeries int) sloconfig.Config {
	cfg := sloconfig.Default()
	cfg.Objectives = objectives
	if maxSeries > 0 {
		cfg.MaxSeries = maxSeries
	}
	return cfg
}

// Touch is the floor every span-evaluating component is measured against:
// it reads exactly the fields the slo engine needs for PresetObjectives and
// does nothing else. Per resource, service.name; per span, the kind; and for
// spans of the objectives' kind (server), the status code, the start and end
// timestamps, http.route (the group_by attribute) and the attributes the
// availability preset reads: http.response.status_code (or else
// http.status_code), rpc.grpc.status_code and rpc.response.status_code. It
// returns a checksum of what it read, so that nothing is optimised away.
func Touch(td ptrace.Traces) uint64 {
	var sum uint64
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		if v, ok := rs.Resource().Attributes().Get("service.name"); ok {
			sum += uint64(len(v.Str()))
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				if span.Kind() != ptrace.SpanKindServer {
					continue
				}
				sum += uint64(span.Status().Code())
				sum += uint64(span.EndTimestamp() - span.StartTimestamp())
				attrs := span.Attributes()
				if v, ok := attrs.Get("http.route"); ok {
					sum += uint64(len(v.Str()))
				}
				code, ok := attrs.Get("http.response.status_code")
				if !ok {
					code, ok = attrs.Get("http.status_code")
				}
				if ok {
					sum += uint64(code.Int())
				}
				sum += touchInt(attrs, "rpc.grpc.status_code")
				sum += touchInt(attrs, "rpc.response.status_code")
			}
		}
	}
	return sum
}

func touchInt(attrs pcommon.Map, key string) uint64 {
	if v, ok := attrs.Get(key); ok {
		return uint64(v.Int())
	}
	return 0
}
