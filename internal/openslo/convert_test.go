package openslo

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

func load(t *testing.T, paths ...string) []Source {
	t.Helper()
	sources := make([]Source, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		sources = append(sources, Source{Name: path, Data: data})
	}
	return sources
}

func days(n int) duration.Duration { return duration.Duration(time.Duration(n) * duration.Day) }

// mappingCases are the files of testdata/mapping and the objective each
// converts to, field by field.
var mappingCases = []struct {
	file  string
	want  sloconfig.Objective
	notes []Note
}{
	{
		file: "inline-availability.yaml",
		want: sloconfig.Objective{
			Name:        "checkout-availability",
			Description: "Checkout answers without server errors",
			Service:     "checkout",
			Spans: sloconfig.SpanSelector{
				Kind:       "server",
				Conditions: []string{`attributes["http.route"] == "/api/checkout"`},
			},
			Indicator: sloconfig.Indicator{Availability: &sloconfig.AvailabilityIndicator{}},
			Target:    99.9,
			Period:    days(28),
			Alerts:    "none",
		},
	},
	{
		file: "referenced-good.yaml",
		want: sloconfig.Objective{
			Name:    "checkout-success",
			Service: "checkout",
			Spans:   sloconfig.SpanSelector{Kind: "server"},
			Indicator: sloconfig.Indicator{Good: []string{
				`attributes["http.response.status_code"] < 400`,
				`attributes["checkout.retried"] == true`,
			}},
			Target: 99.5,
			Period: days(28), // 4w
			Alerts: "none",
		},
	},
	{
		file: "bad.yaml",
		want: sloconfig.Objective{
			Name:      "payments-errors",
			Service:   "payments",
			Spans:     sloconfig.SpanSelector{Kind: "consumer"},
			Indicator: sloconfig.Indicator{Bad: []string{`status.code == STATUS_CODE_ERROR`}},
			Target:    99.95,
			Period:    days(30),
			Alerts:    "none",
		},
	},
	{
		file: "latency.yaml",
		want: sloconfig.Objective{
			Name:    "search-latency",
			Service: "search",
			Spans: sloconfig.SpanSelector{
				Kind:       "server",
				Conditions: []string{`attributes["http.route"] == "/api/search"`},
			},
			Indicator: sloconfig.Indicator{Latency: &sloconfig.LatencyIndicator{Threshold: duration.Duration(300 * time.Millisecond)}},
			Target:    99,
			Period:    days(7),
			GroupBy:   []string{"http.route", "http.request.method"},
			Alerts:    "none",
		},
	},
	{
		file: "latency-ms.yaml",
		want: sloconfig.Objective{
			Name:      "search-latency",
			Service:   "search",
			Indicator: sloconfig.Indicator{Latency: &sloconfig.LatencyIndicator{Threshold: duration.Duration(250 * time.Millisecond)}},
			Target:    95,
			Period:    days(1),
			Alerts:    "none",
		},
		notes: []Note{{Document: `SLO "search-latency"`, Path: "spec.objectives[0].op", Why: whyLT}},
	},
	{
		file: "inline-policy.yaml",
		want: sloconfig.Objective{
			Name:      "checkout-availability",
			Service:   "checkout",
			Indicator: sloconfig.Indicator{Availability: &sloconfig.AvailabilityIndicator{}},
			Target:    99.9,
			Period:    days(30),
			Alerts: []any{
				map[string]any{
					"name": "page", "severity": "sev1",
					"escalation":  "checkout-oncall via pagerduty: Pages the checkout on-call",
					"long_window": "1h", "short_window": "5m", "burn_rate": 14.4,
				},
				map[string]any{
					"name": "page", "severity": "sev2",
					"escalation":  "checkout-oncall via pagerduty: Pages the checkout on-call",
					"long_window": "6h", "short_window": "30m", "burn_rate": 6.0,
				},
			},
		},
	},
	{
		file: "referenced-policy.yaml",
		want: sloconfig.Objective{
			Name:      "checkout-availability",
			Service:   "checkout",
			Indicator: sloconfig.Indicator{Availability: &sloconfig.AvailabilityIndicator{}},
			Target:    99.9,
			Period:    days(30),
			Alerts: []any{
				map[string]any{
					"name": "fast-burn", "severity": "sev1",
					"escalation":  "checkout-oncall via pagerduty: Pages the checkout on-call; checkout-slack via slack",
					"long_window": "1h", "short_window": "5m", "burn_rate": 14.4, "min_events": uint64(20),
				},
				map[string]any{
					// The annotation sets the short window; 3d/12 would be 6h too.
					"name": "slow-burn", "severity": "sev4",
					"long_window": "3d", "short_window": "6h", "burn_rate": 1.0,
				},
			},
		},
	},
}

func TestConvertMapping(t *testing.T) {
	for _, tc := range mappingCases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "mapping", tc.file)
			objs, err := Convert(load(t, path)...)
			require.NoError(t, err)
			require.Len(t, objs, 1)
			assert.Equal(t, tc.want, objs[0].Config)
			assert.Equal(t, tc.notes, objs[0].Notes)
			assert.Equal(t, `SLO "`+tc.want.Name+`" (`+path+`)`, objs[0].From)
		})
	}
}

func TestRatioToPercentIsExact(t *testing.T) {
	// Each ratio must print as the percentage a person would write.
	for ratio, percent := range map[float64]float64{
		0.999: 99.9, 0.9995: 99.95, 0.99999: 99.999, 0.95: 95, 0.07: 7, 0.5: 50, 0.123456789: 12.3456789,
	} {
		assert.Equal(t, percent, ratioToPercent(ratio), "ratio %v", ratio)
	}
}

func TestShortWindowIsAWorkbookTwelfth(t *testing.T) {
	// The SRE workbook's pairs: the derivation must reproduce them.
	for long, short := range map[string]string{"1h": "5m", "6h": "30m", "1d": "2h", "3d": "6h"} {
		text := `apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: burn}
spec:
  severity: sev1
  condition: {kind: burnrate, op: gt, threshold: 2, lookbackWindow: ` + long + `}
`
		p := &problems{}
		c := &converter{p: p, in: parse([]Source{{Name: "burn.yaml", Data: []byte(text)}}, p), memo: map[*doc]any{}}
		cond, ok := c.conditionDoc(c.in.docs[0])
		require.True(t, ok, p.err())
		assert.Equal(t, short, duration.Format(cond.short), "lookbackWindow %s", long)
	}
}

func TestDocumentsWithoutSLO(t *testing.T) {
	// A Service and a Prometheus DataSource no span SLI refers to are no
	// error (the golden set includes them), but alone they give nothing.
	_, err := Convert(load(t, filepath.Join("testdata", "full", "services.yaml"))...)
	require.EqualError(t, err, "no SLO document in the input: nothing to convert")
}

func TestParseShorthand(t *testing.T) {
	for text, want := range map[string]time.Duration{
		"30m": 30 * time.Minute, "1h": time.Hour, "28d": 28 * duration.Day, "4w": 28 * duration.Day, "0m": 0,
	} {
		got, err := parseShorthand(text)
		require.NoError(t, err, text)
		assert.Equal(t, want, got, text)
	}
	for _, text := range []string{"", "d", "1", "1.5d", "-1d", "1h30m", "30s", "1M", "1Q", "1Y", "99999999999999w"} {
		_, err := parseShorthand(text)
		assert.Error(t, err, text)
	}
}

func TestLineOf(t *testing.T) {
	objs := load(t, filepath.Join("testdata", "mapping", "latency.yaml"))
	p := &problems{}
	in := parse(objs, p)
	require.NoError(t, p.err())
	root := in.docs[0].root
	assert.Equal(t, 16, lineOf(root, "spec.objectives[0].value"))
	// A missing field points at the deepest existing ancestor.
	assert.Equal(t, 15, lineOf(root, "spec.objectives[0].nothing"))
	assert.Equal(t, 14, lineOf(root, "spec.objectives[3]"))
	assert.Equal(t, []string{"spec", "objectives", "[0]", "op"}, splitPath("spec.objectives[0].op"))
}
