package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
)

// Series is the state of one SLO series (an objective and one combination of
// its group_by values) as read from one scrape.
type Series struct {
	// Name is the objective, slo_name.
	Name string
	// Service is the job label, which the Prometheus exporter fills from the
	// objective's service.name; empty for objectives of any service.
	Service string
	// Group holds the group_by labels as k=v, sorted, comma-separated.
	Group string
	// Objective is the target as a ratio; 0 when not scraped.
	Objective float64
	// Good and Bad are the slo_events_total counters.
	Good, Bad float64
	// SLI, Burn and Exhaustion are keyed by slo_window.
	SLI, Burn, Exhaustion map[string]float64
	// Remaining is slo_error_budget_remaining; HasRemaining is false when
	// the scrape had none.
	Remaining    float64
	HasRemaining bool
	// Alerts are the tiers in the order Parse sorts them (severity, name).
	Alerts []Alert
}

// Alert is one slo_alert series.
type Alert struct {
	Name, Severity string
	Firing         bool
}

// Tier names an alert tier the way the table prints it: page/sev1.
func (a Alert) Tier() string { return a.Name + "/" + a.Severity }

// Key identifies a series across scrapes.
func (s *Series) Key() string {
	if s.Group == "" {
		return s.Name
	}
	return s.Name + "{" + s.Group + "}"
}

// Windows returns the windows that have an SLI or a burn rate, shortest first.
func (s *Series) Windows() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]float64{s.SLI, s.Burn} {
		for w := range m {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	sortWindows(out)
	return out
}

// sortWindows orders window labels by length; labels that do not parse go
// last, alphabetically, so a surprise in the scrape still shows.
func sortWindows(ws []string) {
	length := func(w string) time.Duration {
		d, err := duration.Parse(w)
		if err != nil {
			return 1<<63 - 1
		}
		return d
	}
	sort.Slice(ws, func(i, j int) bool {
		li, lj := length(ws[i]), length(ws[j])
		if li != lj {
			return li < lj
		}
		return ws[i] < ws[j]
	})
}

// isGroupLabel tells group_by labels from the rest: the contract's own
// (slo_name, slo_window, slo_alert_*, ...: every one starts with slo_, and
// new ones may be added), the scope labels the Prometheus exporter adds, and
// the scrape target's. otel_metric_overflow stays: it marks a series.
func isGroupLabel(name string) bool {
	switch {
	case strings.HasPrefix(name, "slo_"), strings.HasPrefix(name, "otel_scope_"):
		return false
	case name == "job", name == "instance":
		return false
	}
	return true
}

// Parse reads a Prometheus text exposition and returns its SLO series sorted
// by objective and group. Metrics outside the contract are ignored, so the
// watcher can point at any endpoint that also carries SLO metrics.
func Parse(r io.Reader) ([]*Series, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parsing the scrape: %w", err)
	}
	byKey := map[string]*Series{}
	get := func(labels map[string]string) *Series {
		s := &Series{Name: labels["slo_name"], Service: labels["job"], Group: groupOf(labels)}
		if old, ok := byKey[s.Key()]; ok {
			return old
		}
		s.SLI, s.Burn, s.Exhaustion = map[string]float64{}, map[string]float64{}, map[string]float64{}
		byKey[s.Key()] = s
		return s
	}
	for name, family := range families {
		for _, m := range family.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["slo_name"] == "" {
				continue
			}
			v := value(family.GetType(), m)
			switch name {
			case "slo_events_total":
				s := get(labels)
				switch labels["slo_outcome"] {
				case "good":
					s.Good += v
				case "bad":
					s.Bad += v
				}
			case "slo_objective":
				get(labels).Objective = v
			case "slo_sli":
				get(labels).SLI[labels["slo_window"]] = v
			case "slo_burn_rate":
				get(labels).Burn[labels["slo_window"]] = v
			case "slo_error_budget_exhaustion_seconds":
				get(labels).Exhaustion[labels["slo_window"]] = v
			case "slo_error_budget_remaining":
				s := get(labels)
				s.Remaining, s.HasRemaining = v, true
			case "slo_alert":
				s := get(labels)
				s.Alerts = append(s.Alerts, Alert{Name: labels["slo_alert_name"], Severity: labels["slo_severity"], Firing: v == 1})
			}
		}
	}
	out := make([]*Series, 0, len(byKey))
	for _, s := range byKey {
		sort.Slice(s.Alerts, func(i, j int) bool {
			if s.Alerts[i].Severity != s.Alerts[j].Severity {
				return s.Alerts[i].Severity < s.Alerts[j].Severity
			}
			return s.Alerts[i].Name < s.Alerts[j].Name
		})
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out, nil
}

func groupOf(labels map[string]string) string {
	var parts []string
	for k, v := range labels {
		if isGroupLabel(k) {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func value(typ dto.MetricType, m *dto.Metric) float64 {
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}
