package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/slometrics"
	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

// TestGrafanaDashboardQueriesTheContract checks examples/grafana against what
// the component emits. It needs no distribution: the metric names come from
// the component's own metric builder, so renaming a metric, changing its unit
// or its type breaks this test rather than the dashboard of a user.
func TestGrafanaDashboardQueriesTheContract(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "grafana", "otelcol-slo.json"))
	require.NoError(t, err)
	var dash dashboard
	require.NoError(t, json.Unmarshal(raw, &dash), "the dashboard is not valid JSON")

	metrics, labels := contractNames(t)
	// The README's metric table, so that a metric added to or dropped from
	// the builder is a decision someone makes, not a surprise.
	assert.Equal(t, []string{
		"slo_alert", "slo_burn_rate", "slo_error_budget_exhaustion_seconds", "slo_error_budget_remaining",
		"slo_events_total", "slo_objective", "slo_sli",
	}, sortedKeys(metrics))

	// The objective variable lists the objectives by slo_name.
	var objective *variable
	for i, v := range dash.Templating.List {
		if v.Name == "slo" {
			objective = &dash.Templating.List[i]
		}
	}
	require.NotNil(t, objective, "no template variable named slo")
	query := objective.queryText()
	assert.Regexp(t, `^label_values\(\s*slo_[a-z_]+\s*,\s*slo_name\s*\)$`, query)
	exprs := []string{query}

	var panels []panel
	for _, p := range dash.Panels {
		panels = append(panels, p)
		panels = append(panels, p.Panels...)
	}
	queried := map[string]bool{}
	for _, p := range panels {
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Targets, "panel %q queries nothing", p.Title)
		for _, target := range p.Targets {
			require.NotEmpty(t, target.Expr, "panel %q", p.Title)
			assert.Contains(t, target.Expr, "$slo", "panel %q does not follow the objective variable", p.Title)
			exprs = append(exprs, target.Expr)
			for _, l := range legendLabels.FindAllStringSubmatch(target.LegendFormat, -1) {
				assert.True(t, labels[l[1]] || !strings.HasPrefix(l[1], "slo_"),
					"panel %q: legend label %s is not in the contract", p.Title, l[1])
			}
		}
	}
	for _, expr := range exprs {
		names, labelNames := promqlIdentifiers(expr)
		for _, name := range names {
			assert.True(t, metrics[name], "%s: metric %s is not one the component emits", expr, name)
			queried[name] = true
		}
		for _, name := range labelNames {
			assert.True(t, labels[name], "%s: label %s is not in the contract", expr, name)
		}
	}
	// Per objective: SLI per window, budget left, burn rates, alerts.
	for _, name := range []string{"slo_sli", "slo_error_budget_remaining", "slo_burn_rate", "slo_alert"} {
		assert.True(t, queried[name], "the dashboard does not show %s", name)
	}

	// One row per selected objective.
	var repeated bool
	for _, p := range dash.Panels {
		repeated = repeated || (p.Type == "row" && p.Repeat == "slo")
	}
	assert.True(t, repeated, "no row repeats over the slo variable")
	assert.True(t, objective.Multi && objective.IncludeAll, "a repeated row needs a multi-value variable")
}

// contractNames returns the Prometheus names of the metrics the builder
// emits, and of the attributes of their points, as the exporter's
// UnderscoreEscapingWithSuffixes strategy writes them.
func contractNames(t *testing.T) (metrics, labels map[string]bool) {
	t.Helper()
	tier := &engine.AlertTier{Name: "page", Severity: "sev1", Escalation: "call", LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BurnRate: 14.4}
	objective := &engine.Objective{
		Name:    "o",
		Target:  0.99,
		Period:  30 * 24 * time.Hour,
		Windows: []time.Duration{5 * time.Minute, time.Hour, 30 * 24 * time.Hour},
		Alerts:  []engine.AlertTier{*tier},
	}
	// One bad event in a hundred everywhere: burn rate 1, half the budget
	// left, so every metric has a point, the exhaustion time included.
	derived := func(w time.Duration) engine.Derived {
		return engine.Derived{Window: w, Counts: window.Counts{Good: 99, Bad: 1}, SLI: 0.99, BurnRate: 1}
	}
	now := time.Now()
	snap := engine.Snapshot{Time: now, Objectives: []engine.ObjectiveSnapshot{{
		Objective: objective,
		Series: []engine.SeriesSnapshot{{
			ID: 1, Start: now.Add(-time.Hour), Good: 99, Bad: 1,
			Windows:         []engine.Derived{derived(objective.Windows[0]), derived(objective.Windows[1]), derived(objective.Windows[2])},
			BudgetRemaining: 0.5,
			Alerts:          []engine.AlertState{{Tier: tier, Firing: true}},
		}},
	}}}
	md := slometrics.NewBuilder("test", "0", pmetric.AggregationTemporalityCumulative).Build(snap)

	metrics, labels = map[string]bool{}, map[string]bool{}
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		metrics[prometheusName(t, m)] = true
		var points pmetric.NumberDataPointSlice
		if m.Type() == pmetric.MetricTypeSum {
			points = m.Sum().DataPoints()
		} else {
			points = m.Gauge().DataPoints()
		}
		for j := 0; j < points.Len(); j++ {
			for k := range points.At(j).Attributes().All() {
				labels[strings.ReplaceAll(k, ".", "_")] = true
			}
		}
	}
	// The overflow series carries one more attribute.
	labels[strings.ReplaceAll(slometrics.AttrOverflow, ".", "_")] = true
	require.Len(t, metrics, ms.Len())
	return metrics, labels
}

// prometheusName applies the exporter's suffix rules to the units and types
// the component uses; an unknown unit fails, so that the rule gets written
// down here before a dashboard relies on it.
func prometheusName(t *testing.T, m pmetric.Metric) string {
	t.Helper()
	name := strings.ReplaceAll(m.Name(), ".", "_")
	// Curly-brace units are annotations, which give no suffix.
	unit := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(m.Unit(), "")
	switch unit {
	case "":
	case "s":
		name += "_seconds"
	default:
		t.Fatalf("metric %s: no suffix rule for unit %q", m.Name(), m.Unit())
	}
	if m.Type() == pmetric.MetricTypeSum && m.Sum().IsMonotonic() {
		name += "_total"
	}
	return name
}

var (
	legendLabels = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)
	// Label matchers, range selectors, and the label lists of by, without,
	// on, ignoring and group_left/right, in which identifiers are labels.
	promMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promRanges    = regexp.MustCompile(`\[[^\]]*\]`)
	promLabelList = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	promLabelArg  = regexp.MustCompile(`\blabel_values\(\s*([^,()]*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)`)
	matcherLabel  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	sloIdentifier = regexp.MustCompile(`\bslo_[a-z_]+\b`)
)

// promqlIdentifiers splits the slo_ identifiers of a PromQL expression (or a
// label_values variable query) into metric names and label names.
func promqlIdentifiers(expr string) (metrics, labels []string) {
	for _, m := range promMatchers.FindAllString(expr, -1) {
		for _, l := range matcherLabel.FindAllStringSubmatch(m, -1) {
			labels = append(labels, l[1])
		}
	}
	rest := promMatchers.ReplaceAllString(expr, " ")
	rest = promRanges.ReplaceAllString(rest, " ")
	for _, l := range promLabelList.FindAllStringSubmatch(rest, -1) {
		for _, name := range strings.Split(l[1], ",") {
			labels = append(labels, strings.TrimSpace(name))
		}
	}
	rest = promLabelList.ReplaceAllString(rest, " ")
	for _, l := range promLabelArg.FindAllStringSubmatch(rest, -1) {
		labels = append(labels, l[2])
	}
	// The metric argument stays, to be checked with the other metric names.
	rest = promLabelArg.ReplaceAllString(rest, " $1 ")
	metrics = sloIdentifier.FindAllString(rest, -1)
	labels = slices.DeleteFunc(labels, func(l string) bool { return !strings.HasPrefix(l, "slo_") })
	return metrics, labels
}

type dashboard struct {
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Definition string          `json:"definition"`
	Query      json.RawMessage `json:"query"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
}

// queryText is the variable's query, which Grafana writes either as a string
// or, since its Prometheus query editor, as an object.
func (v variable) queryText() string {
	var s string
	if json.Unmarshal(v.Query, &s) == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(v.Query, &o) == nil && o.Query != "" {
		return o.Query
	}
	return v.Definition
}

type panel struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Repeat  string `json:"repeat"`
	Targets []struct {
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
	} `json:"targets"`
	// Panels of a collapsed row.
	Panels []panel `json:"panels"`
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestPromQLIdentifiers(t *testing.T) {
	for _, tc := range []struct {
		expr            string
		metrics, labels []string
	}{
		{`slo_sli{slo_name="$slo",slo_window=~"5m|1h"}`, []string{"slo_sli"}, []string{"slo_name", "slo_window"}},
		{`sum by (slo_outcome, job) (rate(slo_events_total{slo_name="a"}[$__rate_interval]))`, []string{"slo_events_total"}, []string{"slo_name", "slo_outcome"}},
		{`slo_alert == 1 and on (slo_name) slo_objective > 0.99`, []string{"slo_alert", "slo_objective"}, []string{"slo_name"}},
		{`label_values(slo_objective, slo_name)`, []string{"slo_objective"}, []string{"slo_name"}},
	} {
		metrics, labels := promqlIdentifiers(tc.expr)
		sort.Strings(labels)
		assert.Equal(t, tc.metrics, metrics, tc.expr)
		assert.Equal(t, tc.labels, labels, tc.expr)
	}
}
