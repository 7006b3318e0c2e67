package openslo

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConvertErrorFiles(t *testing.T) {
	for file, want := range map[string]string{
		"calendar.yaml": `calendar.yaml:24: SLO "checkout-calendar": spec.timeWindow[0].calendar: calendar-aligned windows are not supported: ` +
			`the connector keeps rolling windows only; remove calendar and set isRolling: true`,
		"month.yaml": `month.yaml:23: SLO "checkout-month": spec.timeWindow[0].duration: "1M": ` +
			`months, quarters and years have no fixed length; write the window in days or weeks, e.g. 30d`,
		"timeslices.yaml": `timeslices.yaml:25: SLO "checkout-timeslices": spec.budgetingMethod: "Timeslices" is not supported: ` +
			`only Occurrences (good events / all events) can be counted from spans`,
		"prometheus.yaml": `prometheus.yaml:14: SLO "checkout-prometheus": spec.indicator.spec.ratioMetric.good.metricSource.type: ` +
			`"prometheus" is not span-derivable; use type otel-spans`,
		"two-objectives.yaml": `two-objectives.yaml:26: SLO "checkout-two": spec.objectives: ` +
			`2 objectives given, exactly one is supported: write one SLO per objective`,
		"latency-gt.yaml": `latency-gt.yaml:21: SLO "search-latency": spec.objectives[0].op: ` +
			`"gt" is not supported: a latency SLI counts spans lasting at most value as good; use lte or lt`,
		"alert-after.yaml": `alert-after.yaml:12: AlertCondition "fast-burn": spec.condition.alertAfter: 5m is not supported: ` +
			`a tier fires as soon as both its windows burn above the threshold; ` +
			`remove alertAfter (or set 0m) and delay in the alert router if needed (Prometheus for:)`,
		"short-lookback.yaml": `short-lookback.yaml:10: AlertCondition "cpu-usage-breach": spec.condition.lookbackWindow: ` +
			`5m gives a short window of 25s (lookbackWindow / 12), below the connector's 1m minimum; ` +
			`use a lookbackWindow of at least 12m or set the annotation otelcol-slo/short-window`,
		"no-data.yaml": `no-data.yaml:6: AlertPolicy "checkout-page": spec.alertWhenNoData: true is not supported: ` +
			`with no events the burn rate is absent and slo.alert stays 0; alert on absent SLO metrics in the backend instead`,
		"missing-sli.yaml": `missing-sli.yaml:7: SLO "checkout-success": spec.indicatorRef: ` +
			`no SLI named "checkout-requests" in the input; pass the file that defines it`,
		"unknown-field.yaml": `unknown-field.yaml:11: SLO "checkout-typo": spec.budgetMethod: unknown field; ` +
			`expected one of description, service, indicator, indicatorRef, timeWindow, budgetingMethod, objectives, alertPolicies`,
		"not-v1.yaml": `not-v1.yaml:1: SLO "checkout": apiVersion: "openslo/v1alpha" is not supported, expected openslo/v1`,
		"duplicate.yaml": `duplicate.yaml:14: AlertCondition "fast-burn": metadata.name: duplicate: ` +
			`AlertCondition "fast-burn" is also defined in testdata/errors/duplicate.yaml:1; references are by name, so names must be unique per kind`,
	} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", "errors", file)
			objs, err := Convert(load(t, path)...)
			require.Error(t, err)
			assert.Nil(t, objs)
			assert.Equal(t, filepath.Join("testdata", "errors", want), err.Error())
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, path, e.File)
		})
	}
}

func TestConvertErrorOTTLNamesTheSource(t *testing.T) {
	// The connector's own validation finds the bad OTTL; the message names
	// the OpenSLO field it came from.
	_, err := Convert(load(t, filepath.Join("testdata", "errors", "ottl.yaml"))...)
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, filepath.Join("testdata", "errors", "ottl.yaml")+
		`:16: SLO "checkout-ottl": spec.indicator.spec.ratioMetric.good.metricSource.spec.conditions: `+
		`OTTL condition "attributes[\"http.route\" == \"/\"" does not parse: `), msg)
	assert.True(t, strings.HasSuffix(msg, "(objective field indicator.good)"), msg)
}

// sloWith is a small SLO with the given indicator, objectives and alert
// policies in flow style.
func sloWith(indicator, objectives, policies string) string {
	return fmt.Sprintf(`apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: checkout
  indicator: %s
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: %s
  alertPolicies: %s
`, indicator, objectives, policies)
}

const (
	availabilitySLI = `{metadata: {name: a}, spec: {ratioMetric: {good: {metricSource: {type: otel-spans, spec: {preset: availability}}},` +
		` total: {metricSource: {type: otel-spans}}}}}`
	oneTarget = `[{target: 0.999}]`
	policyOf  = `[{kind: AlertPolicy, metadata: {name: p}, spec: {conditions: [{kind: AlertCondition, metadata: {name: c}, spec: %s}]}}]`
	burn      = `{severity: sev1, condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h}}`
)

func TestConvertErrors(t *testing.T) {
	for name, tc := range map[string]struct{ input, want string }{
		"raw ratio": {
			input: `{apiVersion: openslo/v1, kind: SLI, metadata: {name: r}, spec: {ratioMetric: {rawType: success, raw: {metricSource: {type: otel-spans}}}}}`,
			want:  `in.yaml:1: SLI "r": spec.ratioMetric.raw: a precomputed ratio is not span-derivable; use good or bad with total`,
		},
		"gauge": {
			input: `{apiVersion: openslo/v1, kind: SLI, metadata: {name: g}, spec: {ratioMetric: {counter: false,` +
				` good: {metricSource: {type: otel-spans, spec: {preset: availability}}}, total: {metricSource: {type: otel-spans}}}}}`,
			want: `in.yaml:1: SLI "g": spec.ratioMetric.counter: false is not supported: spans are events, which are counted; ` +
				`a gauge reading is not span-derivable`,
		},
		"kind on good": {
			input: `{apiVersion: openslo/v1, kind: SLI, metadata: {name: k}, spec: {ratioMetric: {` +
				` good: {metricSource: {type: otel-spans, spec: {kind: server, preset: availability}}}, total: {metricSource: {type: otel-spans}}}}}`,
			want: `in.yaml:1: SLI "k": spec.ratioMetric.good.metricSource.spec.kind: not accepted here: set it on total; ` +
				`good and bad only decide which of total's spans are good or bad`,
		},
		"threshold without measure": {
			input: `{apiVersion: openslo/v1, kind: SLI, metadata: {name: m}, spec: {thresholdMetric: {metricSource: {type: otel-spans, spec: {kind: server}}}}}`,
			want: `in.yaml:1: SLI "m": spec.thresholdMetric.metricSource.spec.measure: ` +
				`required: duration, the span's length, is the only value a span provides`,
		},
		"unknown span source field": {
			input: `{apiVersion: openslo/v1, kind: SLI, metadata: {name: u}, spec: {thresholdMetric: {metricSource: {type: otel-spans, spec: {measure: duration, units: ms}}}}}`,
			want: `in.yaml:1: SLI "u": spec.thresholdMetric.metricSource.spec.units: unknown field; ` +
				`expected one of kind, conditions, groupBy, preset, measure, unit`,
		},
		"prometheus data source": {
			input: `{apiVersion: openslo/v1, kind: DataSource, metadata: {name: prom}, spec: {type: Prometheus}}
---
{apiVersion: openslo/v1, kind: SLI, metadata: {name: s}, spec: {thresholdMetric: {metricSource: {metricSourceRef: prom, spec: {measure: duration}}}}}`,
			want: `in.yaml:3: SLI "s": spec.thresholdMetric.metricSource.metricSourceRef: ` +
				`DataSource "prom" has type "Prometheus", which is not span-derivable; use type otel-spans`,
		},
		"span data source with connection details": {
			input: `{apiVersion: openslo/v1, kind: DataSource, metadata: {name: spans}, spec: {type: otel-spans, connectionDetails: {url: x}}}`,
			want: `in.yaml:1: DataSource "spans": spec.connectionDetails: has no meaning for spans: ` +
				`the connector reads the traces pipeline it is in; remove it`,
		},
		"composite": {
			input: sloWith(availabilitySLI, `[{target: 0.999, indicatorRef: other}]`, `[]`),
			want: `in.yaml:9: SLO "checkout": spec.objectives[0]: ` +
				`composite SLOs (an indicator per objective) are not supported: write one SLO per indicator`,
		},
		"op on a ratio SLI": {
			input: sloWith(availabilitySLI, `[{target: 0.999, op: lte, value: 1}]`, `[]`),
			want:  `in.yaml:9: SLO "checkout": spec.objectives[0].op: applies to a thresholdMetric SLI only; this SLI is a ratioMetric`,
		},
		"target of one": {
			input: sloWith(availabilitySLI, `[{target: 1}]`, `[]`),
			want:  `in.yaml:9: SLO "checkout": spec.objectives[0].target: must be a ratio greater than 0 and less than 1, e.g. 0.999, got 1`,
		},
		"not rolling": {
			input: strings.Replace(sloWith(availabilitySLI, oneTarget, `[]`), "isRolling: true", "isRolling: false", 1),
			want:  `in.yaml:7: SLO "checkout": spec.timeWindow[0].isRolling: must be true: the connector keeps rolling windows only`,
		},
		"alert when not breaching": {
			input: strings.Replace(sloWith(availabilitySLI, oneTarget, fmt.Sprintf(policyOf, burn)), "spec: {conditions", "spec: {alertWhenBreaching: false, conditions", 1),
			want:  `in.yaml:10: SLO "checkout": spec.alertPolicies[0].spec.alertWhenBreaching: false is not supported: a tier's alert is the breaching state itself`,
		},
		"burn rate below": {
			input: sloWith(availabilitySLI, oneTarget, fmt.Sprintf(policyOf, strings.Replace(burn, "op: gt", "op: lt", 1))),
			want: `in.yaml:10: SLO "checkout": spec.alertPolicies[0].spec.conditions[0].spec.condition.op: "lt" is not supported: ` +
				`a burn-rate alert fires when the burn rate is above the threshold; use gt`,
		},
		"lookback longer than the period": {
			input: sloWith(availabilitySLI, oneTarget, fmt.Sprintf(policyOf, strings.Replace(burn, "1h", "5w", 1))),
			want:  `in.yaml:10: SLO "checkout": spec.alertPolicies[0].spec.conditions[0].spec.condition.lookbackWindow: 35d is longer than the SLO's period 28d`,
		},
		"misspelt annotation": {
			input: strings.Replace(sloWith(availabilitySLI, oneTarget, `[]`), "{name: checkout}", "{name: checkout, annotations: {otelcol-slo/alert: workbook}}", 1),
			want:  `in.yaml:3: SLO "checkout": metadata.annotations: unknown annotation "otelcol-slo/alert", expected one of otelcol-slo/alerts`,
		},
		"missing condition": {
			input: sloWith(availabilitySLI, oneTarget, `[{alertPolicyRef: page}]`),
			want:  `in.yaml:10: SLO "checkout": spec.alertPolicies[0].alertPolicyRef: no AlertPolicy named "page" in the input; pass the file that defines it`,
		},
		"empty policy item": {
			input: sloWith(availabilitySLI, oneTarget, `[{}]`),
			want:  `in.yaml:10: SLO "checkout": spec.alertPolicies[0]: one of alertPolicyRef or an inline AlertPolicy (kind, metadata, spec) is required`,
		},
		"no objective": {
			input: sloWith(availabilitySLI, `[]`, `[]`),
			want:  `in.yaml:9: SLO "checkout": spec.objectives: required: one objective, e.g. [{target: 0.999}]`,
		},
		"unknown kind": {
			input: `{apiVersion: openslo/v1, kind: Slo, metadata: {name: x}, spec: {}}`,
			want: `in.yaml:1: Slo "x": kind: unknown kind "Slo", expected one of ` +
				`SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget, DataSource, Service`,
		},
		"not YAML": {
			input: "kind: SLO\n  spec: [",
			want:  `in.yaml: document #1 is not valid YAML: yaml: line 2: mapping values are not allowed in this context`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Convert(Source{Name: "in.yaml", Data: []byte(tc.input)})
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestConvertReportsEveryProblem(t *testing.T) {
	// Problems in several documents are all reported, one line each, and a
	// shared document's problem once although two SLOs refer to it.
	sli := `{apiVersion: openslo/v1, kind: SLI, metadata: {name: shared}, spec: {ratioMetric: {good: {metricSource: {type: datadog}}, total: {metricSource: {type: otel-spans}}}}}`
	slo := func(name string) string {
		return strings.Replace(strings.Replace(sloWith("null", oneTarget, `[]`), "indicator: null", "indicatorRef: shared", 1), "{name: checkout}", "{name: "+name+"}", 1)
	}
	input := sli + "\n---\n" + slo("a") + "---\n" + strings.Replace(slo("b"), "Occurrences", "Timeslices", 1)
	_, err := Convert(Source{Name: "in.yaml", Data: []byte(input)})
	require.Error(t, err)
	assert.Equal(t, []string{
		`in.yaml:1: SLI "shared": spec.ratioMetric.good.metricSource.type: "datadog" is not span-derivable; use type otel-spans`,
		`in.yaml:21: SLO "b": spec.budgetingMethod: "Timeslices" is not supported: only Occurrences (good events / all events) can be counted from spans`,
	}, strings.Split(err.Error(), "\n"))
	var list interface{ Unwrap() []error }
	require.True(t, errors.As(err, &list))
	assert.Len(t, list.Unwrap(), 2)
}

func TestReferencedConditionLongerThanPeriod(t *testing.T) {
	input := sloWith(availabilitySLI, oneTarget, `[{alertPolicyRef: p}]`) + `---
{apiVersion: openslo/v1, kind: AlertPolicy, metadata: {name: p}, spec: {conditions: [{conditionRef: slow}]}}
---
{apiVersion: openslo/v1, kind: AlertCondition, metadata: {name: slow}, spec: {severity: sev4, condition: {threshold: 1, lookbackWindow: 5w}}}
`
	_, err := Convert(Source{Name: "in.yaml", Data: []byte(input)})
	require.EqualError(t, err, `in.yaml:10: SLO "checkout": spec.alertPolicies[0]: AlertCondition "slow": lookbackWindow 35d is longer than the SLO's period 28d`)
}
