package openslo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const labelledSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: labelled
  labels:
    team: checkout
    regions: [eu-west-1, us-east-1]
spec:
  service: checkout
  indicator:
    metadata: {name: labelled}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: otel-spans, spec: {preset: availability}}}
        total: {metricSource: {type: otel-spans, spec: {kind: server}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`

func TestLabelsBecomeAttributes(t *testing.T) {
	objectives, err := Convert(Source{Name: "in.yaml", Data: []byte(labelledSLO)})
	require.NoError(t, err)
	require.Len(t, objectives, 1)
	assert.Equal(t, map[string]string{"team": "checkout", "regions": "eu-west-1,us-east-1"}, objectives[0].Config.Attributes)
	for _, note := range objectives[0].Notes {
		assert.NotEqual(t, "metadata.labels", note.Path, "labels are carried over, not noted")
	}
}

func TestLabelsThatCannotBeAttributes(t *testing.T) {
	input := `apiVersion: openslo/v1
kind: SLO
metadata:
  name: labelled
  labels:
    slo.name: clash
` + labelledSLO[len("apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: labelled\n  labels:\n    team: checkout\n    regions: [eu-west-1, us-east-1]\n"):]
	_, err := Convert(Source{Name: "in.yaml", Data: []byte(input)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `SLO "labelled": metadata.labels: `)
	assert.Contains(t, err.Error(), `key "slo.name" is reserved for the metric contract`)
}
