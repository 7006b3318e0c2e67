package engine

import "sync/atomic"

// Reason says why an eligible span was not counted into the windows.
type Reason int

const (
	// ReasonMissingTimestamp: the start or end timestamp is zero.
	ReasonMissingTimestamp Reason = iota
	// ReasonEndBeforeStart: the span ends before it starts.
	ReasonEndBeforeStart
	// ReasonTooOld: the span ended before the start of the period window.
	ReasonTooOld
	// ReasonTooFarInFuture: the span ends more than max_clock_skew after the
	// collector's clock.
	ReasonTooFarInFuture
	// ReasonConditionError: an OTTL condition failed to evaluate on the span.
	ReasonConditionError
	numReasons
)

// Reasons lists every reason, in order, for telemetry that reports them all.
func Reasons() []Reason {
	reasons := make([]Reason, numReasons)
	for r := range reasons {
		reasons[r] = Reason(r)
	}
	return reasons
}

func (r Reason) String() string {
	switch r {
	case ReasonMissingTimestamp:
		return "missing_timestamp"
	case ReasonEndBeforeStart:
		return "end_before_start"
	case ReasonTooOld:
		return "too_old"
	case ReasonTooFarInFuture:
		return "too_far_in_future"
	case ReasonConditionError:
		return "condition_error"
	default:
		return "unknown"
	}
}

// objectiveStats are one objective's counters, updated on the hot path with
// atomics so that reading them never blocks it.
type objectiveStats struct {
	eligible   atomic.Int64
	counted    atomic.Int64
	overflowed atomic.Int64
	rejected   [numReasons]atomic.Int64
}

// ObjectiveStats is a copy of one objective's counters since start.
type ObjectiveStats struct {
	Objective string
	// Eligible spans matched the objective's service, kind and conditions.
	Eligible int64
	// Counted spans landed in the windows, the overflow series included.
	Counted int64
	// Overflowed spans were counted into the overflow series because
	// max_series was reached.
	Overflowed int64
	// Rejected spans were eligible but not counted, by Reason.
	Rejected [numReasons]int64
	// ActiveSeries is the number of series now kept, the overflow series included.
	ActiveSeries int64
}

// Stats is a copy of the engine's counters since start.
type Stats struct {
	// SpansEvaluated counts every span offered to the engine.
	SpansEvaluated int64
	ActiveSeries   int64
	Objectives     []ObjectiveStats
}
