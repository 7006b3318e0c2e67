// Package engine evaluates spans against service level objectives and keeps
// their windows. It knows nothing of collector factories or pipelines: spans
// go in, a Snapshot of every objective's state comes out.
package engine // import "github.com/otelcol-slo/otelcol-slo/internal/engine"

import (
	"context"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Condition is a compiled OTTL condition (or sequence of them) on a span.
type Condition interface {
	Eval(ctx context.Context, tCtx *ottlspan.TransformContext) (bool, error)
}

// IndicatorKind says how a span is classified as a good or a bad event.
type IndicatorKind int

const (
	// Availability is the semantic-conventions preset: see IsAvailabilityFailure.
	Availability IndicatorKind = iota
	// Latency: good when the span's duration is at most the threshold.
	Latency
	// GoodWhen: good when the condition holds, bad otherwise.
	GoodWhen
	// BadWhen: bad when the condition holds, good otherwise.
	BadWhen
)

// Indicator classifies eligible spans.
type Indicator struct {
	Kind      IndicatorKind
	Threshold time.Duration // Latency only
	Condition Condition     // GoodWhen and BadWhen only
}

// Objective is one validated SLO, ready to evaluate.
type Objective struct {
	Name        string
	Description string
	// Definition is a canonical text of what decides eligibility and outcome
	// (service, kind, conditions, indicator): a checkpoint restores an
	// objective's counts only when it is unchanged.
	Definition string
	// Service, when set, is the resource service.name a span must come from.
	Service string
	// SpanKind, when MatchAnyKind is false, is the kind an eligible span has.
	SpanKind     ptrace.SpanKind
	MatchAnyKind bool
	// Eligible, when set, must hold for a span to count.
	Eligible  Condition
	Indicator Indicator
	// Target is the good ratio the objective promises, in (0, 1).
	Target float64
	// Period is the compliance window; it is always the last of Windows.
	Period time.Duration
	// Windows are the trailing windows kept for every series, shortest first.
	Windows []time.Duration
	// GroupBy names span attributes, or else resource attributes, whose values
	// split the objective into series.
	GroupBy []string
	// Attributes are static attributes of every data point, sorted by key.
	Attributes []Attribute
	Alerts     []AlertTier
}

// DefaultWindows are the windows kept when an objective names none: the
// windows of the default alert table. Those longer than the period are left out.
func DefaultWindows() []time.Duration {
	return []time.Duration{
		5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
		6 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour,
	}
}

// Attribute is a static key and value.
type Attribute struct {
	Key, Value string
}
