package openslo

import "go.yaml.in/yaml/v3"

// The types below are the OpenSLO v1 documents as far as the converter reads
// them. Every field OpenSLO v1 defines for these kinds is listed, including
// those the converter rejects, so that a rejected field gets a reason and a
// misspelt one is reported as unknown. Optional scalars are pointers so that
// "absent" and "set to the zero value" stay distinguishable.

// document is the envelope every OpenSLO document shares.
type document struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   metadata  `yaml:"metadata"`
	Spec       yaml.Node `yaml:"spec"`
}

type metadata struct {
	Name        string `yaml:"name"`
	DisplayName string `yaml:"displayName"`
	// Labels values are a string or a list of strings; the converter only
	// notes that they are not carried over.
	Labels      yaml.Node         `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type sloSpec struct {
	Description     string            `yaml:"description"`
	Service         string            `yaml:"service"`
	Indicator       *inlineSLI        `yaml:"indicator"`
	IndicatorRef    *string           `yaml:"indicatorRef"`
	TimeWindow      []timeWindow      `yaml:"timeWindow"`
	BudgetingMethod string            `yaml:"budgetingMethod"`
	Objectives      []objective       `yaml:"objectives"`
	AlertPolicies   []alertPolicyItem `yaml:"alertPolicies"`
}

type inlineSLI struct {
	Metadata metadata `yaml:"metadata"`
	Spec     sliSpec  `yaml:"spec"`
}

type timeWindow struct {
	Duration  string     `yaml:"duration"`
	IsRolling *bool      `yaml:"isRolling"`
	Calendar  *yaml.Node `yaml:"calendar"`
}

type objective struct {
	DisplayName     string   `yaml:"displayName"`
	Op              string   `yaml:"op"`
	Value           *float64 `yaml:"value"`
	Target          *float64 `yaml:"target"`
	TargetPercent   *float64 `yaml:"targetPercent"`
	TimeSliceTarget *float64 `yaml:"timeSliceTarget"`
	// TimeSliceWindow is a number or a duration shorthand; it is rejected
	// whatever its shape.
	TimeSliceWindow *yaml.Node `yaml:"timeSliceWindow"`
	// Indicator, IndicatorRef and CompositeWeight make a composite SLO.
	Indicator       *yaml.Node `yaml:"indicator"`
	IndicatorRef    *string    `yaml:"indicatorRef"`
	CompositeWeight *float64   `yaml:"compositeWeight"`
}

// alertPolicyItem is an entry of an SLO's alertPolicies: a reference or an
// inline AlertPolicy.
type alertPolicyItem struct {
	AlertPolicyRef *string          `yaml:"alertPolicyRef"`
	Kind           string           `yaml:"kind"`
	Metadata       *metadata        `yaml:"metadata"`
	Spec           *alertPolicySpec `yaml:"spec"`
}

type sliSpec struct {
	Description     string       `yaml:"description"`
	ThresholdMetric *metricSpec  `yaml:"thresholdMetric"`
	RatioMetric     *ratioMetric `yaml:"ratioMetric"`
}

type ratioMetric struct {
	Counter *bool       `yaml:"counter"`
	Good    *metricSpec `yaml:"good"`
	Bad     *metricSpec `yaml:"bad"`
	Total   *metricSpec `yaml:"total"`
	RawType *yaml.Node  `yaml:"rawType"`
	Raw     *yaml.Node  `yaml:"raw"`
}

type metricSpec struct {
	MetricSource metricSource `yaml:"metricSource"`
}

// metricSource keeps spec as a node: its shape depends on type, and only a
// span source's spec is decoded (into spanSource).
type metricSource struct {
	MetricSourceRef string    `yaml:"metricSourceRef"`
	Type            string    `yaml:"type"`
	Spec            yaml.Node `yaml:"spec"`
}

// spanSource is the metricSource spec of the span types (otel-spans,
// OpenTelemetry, otel): the converter's own convention, since OpenSLO leaves a
// metric source's spec to each source type. Which fields a role (total, good,
// bad, threshold) accepts is checked by the SLI conversion.
type spanSource struct {
	// Kind and Conditions select the eligible spans (total, threshold).
	Kind       string   `yaml:"kind"`
	Conditions []string `yaml:"conditions"`
	// GroupBy splits the objective into series (total, threshold).
	GroupBy []string `yaml:"groupBy"`
	// Preset "availability" is the semantic-conventions indicator (good).
	Preset string `yaml:"preset"`
	// Measure must be "duration" and Unit "s" (default) or "ms" (threshold).
	Measure string `yaml:"measure"`
	Unit    string `yaml:"unit"`
}

type alertPolicySpec struct {
	Description         string          `yaml:"description"`
	AlertWhenNoData     *bool           `yaml:"alertWhenNoData"`
	AlertWhenResolved   *bool           `yaml:"alertWhenResolved"`
	AlertWhenBreaching  *bool           `yaml:"alertWhenBreaching"`
	Conditions          []conditionItem `yaml:"conditions"`
	NotificationTargets []targetItem    `yaml:"notificationTargets"`
}

type conditionItem struct {
	ConditionRef *string             `yaml:"conditionRef"`
	Kind         string              `yaml:"kind"`
	Metadata     *metadata           `yaml:"metadata"`
	Spec         *alertConditionSpec `yaml:"spec"`
}

type alertConditionSpec struct {
	Description string          `yaml:"description"`
	Severity    string          `yaml:"severity"`
	Condition   *conditionShape `yaml:"condition"`
}

type conditionShape struct {
	Kind           string   `yaml:"kind"`
	Op             string   `yaml:"op"`
	Threshold      *float64 `yaml:"threshold"`
	LookbackWindow string   `yaml:"lookbackWindow"`
	AlertAfter     string   `yaml:"alertAfter"`
}

type targetItem struct {
	TargetRef *string     `yaml:"targetRef"`
	Kind      string      `yaml:"kind"`
	Metadata  *metadata   `yaml:"metadata"`
	Spec      *targetSpec `yaml:"spec"`
}

type targetSpec struct {
	Description string `yaml:"description"`
	Target      string `yaml:"target"`
}

type dataSourceSpec struct {
	Description       string    `yaml:"description"`
	Type              string    `yaml:"type"`
	ConnectionDetails yaml.Node `yaml:"connectionDetails"`
}

type serviceSpec struct {
	Description string `yaml:"description"`
}
