package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

// Settings are the engine-wide limits.
type Settings struct {
	// MaxClockSkew is how far after the collector's clock a span may end and
	// still count (at the collector's clock).
	MaxClockSkew time.Duration
	// MaxSeries caps the series over all objectives; past it, events go to one
	// overflow series per objective.
	MaxSeries int
	Logger    *zap.Logger
}

// SpanVisitor is told the outcome of every span counted for an objective.
// burning is true while any alert tier of the span's series fires.
type SpanVisitor func(span ptrace.Span, objective *Objective, bad, burning bool)

// Engine evaluates spans against objectives. It is safe for concurrent use.
type Engine struct {
	settings   Settings
	objectives []*objectiveState
	// byService finds, per resource service.name, the objectives that may
	// match, split by span kind; anyService serves services no objective names.
	byService  map[string]*kindIndex
	anyService *kindIndex
	// needsContext is set when some objective evaluates OTTL.
	needsContext bool
	seed         maphash.Seed

	activeSeries   atomic.Int64
	spansEvaluated atomic.Int64
	lastSeriesID   atomic.Uint64
}

// kindIndex lists candidate objectives per span kind; the last slot holds
// those matching any kind, for span kinds outside the enum.
type kindIndex [numKindSlots][]*objectiveState

const numKindSlots = int(ptrace.SpanKindConsumer) + 2

type objectiveState struct {
	objective *Objective
	layout    *window.Layout
	// alertWindows[i] are the indexes in Windows of tier i's long and short window.
	alertWindows [][2]int
	stats        objectiveStats

	mu       sync.RWMutex
	series   map[uint64]*series
	overflow *series
	warned   bool
}

// New returns an engine for the objectives, which must be valid.
func New(objectives []*Objective, settings Settings) (*Engine, error) {
	if settings.Logger == nil {
		settings.Logger = zap.NewNop()
	}
	if settings.MaxSeries <= 0 {
		return nil, fmt.Errorf("max_series must be positive, got %d", settings.MaxSeries)
	}
	e := &Engine{
		settings:   settings,
		byService:  map[string]*kindIndex{},
		anyService: &kindIndex{},
		seed:       maphash.MakeSeed(),
	}
	for _, o := range objectives {
		state, err := newObjectiveState(o)
		if err != nil {
			return nil, fmt.Errorf("objective %q: %w", o.Name, err)
		}
		e.objectives = append(e.objectives, state)
		if o.Eligible != nil || o.Indicator.Condition != nil {
			e.needsContext = true
		}
		if o.Service != "" && e.byService[o.Service] == nil {
			e.byService[o.Service] = &kindIndex{}
		}
	}
	// Keep configuration order within every index so that outcomes reach the
	// visitor in a stable order.
	for _, state := range e.objectives {
		for service, index := range e.byService {
			if state.objective.Service == "" || state.objective.Service == service {
				index.add(state)
			}
		}
		if state.objective.Service == "" {
			e.anyService.add(state)
		}
	}
	return e, nil
}

func (k *kindIndex) add(state *objectiveState) {
	o := state.objective
	for slot := range k {
		if o.MatchAnyKind || slot == int(o.SpanKind) {
			k[slot] = append(k[slot], state)
		}
	}
}

func newObjectiveState(o *Objective) (*objectiveState, error) {
	if len(o.Windows) == 0 || o.Windows[len(o.Windows)-1] != o.Period {
		return nil, errors.New("the period must be the last window")
	}
	if len(o.GroupBy) > MaxGroupBy {
		return nil, fmt.Errorf("group_by has %d attributes, at most %d are supported", len(o.GroupBy), MaxGroupBy)
	}
	layout, err := window.NewLayout(o.Windows)
	if err != nil {
		return nil, err
	}
	state := &objectiveState{objective: o, layout: layout, series: map[uint64]*series{}}
	for _, tier := range o.Alerts {
		long, short := indexOf(o.Windows, tier.LongWindow), indexOf(o.Windows, tier.ShortWindow)
		if long < 0 || short < 0 {
			return nil, fmt.Errorf("alert %s/%s uses a window that is not kept", tier.Name, tier.Severity)
		}
		state.alertWindows = append(state.alertWindows, [2]int{long, short})
	}
	return state, nil
}

func indexOf(windows []time.Duration, w time.Duration) int {
	for i, candidate := range windows {
		if candidate == w {
			return i
		}
	}
	return -1
}

// Objectives returns the objectives in configuration order.
func (e *Engine) Objectives() []*Objective {
	out := make([]*Objective, len(e.objectives))
	for i, state := range e.objectives {
		out[i] = state.objective
	}
	return out
}

// ConsumeTraces evaluates every span of td at the collector time now. visit,
// when not nil, is told each counted outcome.
func (e *Engine) ConsumeTraces(ctx context.Context, td ptrace.Traces, now time.Time, visit SpanVisitor) {
	nowNanos := now.UnixNano()
	clock := eventClock{now: nowNanos, latest: saturatingAdd(nowNanos, int64(e.settings.MaxClockSkew))}
	var evaluated int64
	resourceSpans := td.ResourceSpans()
	for i := 0; i < resourceSpans.Len(); i++ {
		rs := resourceSpans.At(i)
		index := e.indexFor(rs.Resource())
		scopeSpans := rs.ScopeSpans()
		for j := 0; j < scopeSpans.Len(); j++ {
			ss := scopeSpans.At(j)
			spans := ss.Spans()
			evaluated += int64(spans.Len())
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				slot := int(span.Kind())
				if slot < 0 || slot >= numKindSlots-1 {
					slot = numKindSlots - 1
				}
				candidates := index[slot]
				if len(candidates) == 0 {
					continue
				}
				var tCtx *ottlspan.TransformContext
				if e.needsContext {
					tCtx = ottlspan.NewTransformContext(rs, ss, span)
				}
				for _, state := range candidates {
					e.evaluate(ctx, state, rs.Resource(), span, tCtx, clock, visit)
				}
				if tCtx != nil {
					tCtx.Close()
				}
			}
		}
	}
	e.spansEvaluated.Add(evaluated)
}

type eventClock struct {
	now    int64 // the collector's clock, unix nanoseconds
	latest int64 // now + max_clock_skew
}

func (e *Engine) indexFor(resource pcommon.Resource) *kindIndex {
	if len(e.byService) == 0 {
		return e.anyService
	}
	service, ok := resource.Attributes().Get("service.name")
	if !ok || service.Type() != pcommon.ValueTypeStr {
		return e.anyService
	}
	if index, ok := e.byService[service.Str()]; ok {
		return index
	}
	return e.anyService
}

func (e *Engine) evaluate(ctx context.Context, state *objectiveState, resource pcommon.Resource, span ptrace.Span, tCtx *ottlspan.TransformContext, clock eventClock, visit SpanVisitor) {
	o := state.objective
	if o.Eligible != nil {
		eligible, err := o.Eligible.Eval(ctx, tCtx)
		if err != nil {
			state.stats.rejected[ReasonConditionError].Add(1)
			return
		}
		if !eligible {
			return
		}
	}
	state.stats.eligible.Add(1)

	at, reason, ok := eventTime(span, clock, state.layout)
	if !ok {
		state.stats.rejected[reason].Add(1)
		return
	}
	bad, err := classify(ctx, o.Indicator, span, tCtx)
	if err != nil {
		state.stats.rejected[ReasonConditionError].Add(1)
		return
	}

	s := e.seriesFor(state, span, resource, clock.now)
	s.add(state.layout, clock.now, at, bad)
	state.stats.counted.Add(1)
	if s.overflow {
		state.stats.overflowed.Add(1)
	}
	if visit != nil {
		visit(span, o, bad, s.burning.Load())
	}
}

// eventTime returns the time a span counts at: its end, or the collector's
// clock for a span that ends in the future within max_clock_skew.
func eventTime(span ptrace.Span, clock eventClock, layout *window.Layout) (int64, Reason, bool) {
	start, end := span.StartTimestamp(), span.EndTimestamp()
	switch {
	case start == 0 || end == 0:
		return 0, ReasonMissingTimestamp, false
	case end < start:
		return 0, ReasonEndBeforeStart, false
	case uint64(end) > math.MaxInt64 || int64(end) > clock.latest:
		return 0, ReasonTooFarInFuture, false
	}
	at := min(int64(end), clock.now)
	if !layout.Fits(clock.now, at) {
		return 0, ReasonTooOld, false
	}
	return at, 0, true
}

func classify(ctx context.Context, indicator Indicator, span ptrace.Span, tCtx *ottlspan.TransformContext) (bad bool, err error) {
	switch indicator.Kind {
	case Availability:
		return IsAvailabilityFailure(span), nil
	case Latency:
		return time.Duration(span.EndTimestamp()-span.StartTimestamp()) > indicator.Threshold, nil
	case GoodWhen:
		good, err := indicator.Condition.Eval(ctx, tCtx)
		return !good, err
	case BadWhen:
		return indicator.Condition.Eval(ctx, tCtx)
	default:
		return false, fmt.Errorf("unknown indicator kind %d", indicator.Kind)
	}
}

func (e *Engine) seriesFor(state *objectiveState, span ptrace.Span, resource pcommon.Resource, now int64) *series {
	var lookup groupLookup
	lookup.collect(e.seed, state.objective.GroupBy, span, resource)

	state.mu.RLock()
	s := findSeries(state.series[lookup.hash], &lookup)
	state.mu.RUnlock()
	if s != nil {
		return s
	}

	state.mu.Lock()
	defer state.mu.Unlock()
	head := state.series[lookup.hash]
	if s := findSeries(head, &lookup); s != nil {
		return s
	}
	if e.activeSeries.Load() >= int64(e.settings.MaxSeries) {
		return e.overflowSeries(state, now)
	}
	s = e.newSeries(state, lookup.attributes(state.objective.GroupBy), false, now)
	s.hash = lookup.hash
	s.next = head
	state.series[lookup.hash] = s
	return s
}

func findSeries(s *series, lookup *groupLookup) *series {
	for ; s != nil; s = s.next {
		if lookup.matches(s) {
			return s
		}
	}
	return nil
}

// overflowSeries returns the objective's overflow series; state.mu is held.
func (e *Engine) overflowSeries(state *objectiveState, now int64) *series {
	if state.overflow == nil {
		state.overflow = e.newSeries(state, nil, true, now)
	}
	if !state.warned {
		state.warned = true
		e.settings.Logger.Warn("max_series reached: further value combinations go to the overflow series",
			zap.String("objective", state.objective.Name),
			zap.Int("max_series", e.settings.MaxSeries))
	}
	return state.overflow
}

func (e *Engine) newSeries(state *objectiveState, group []GroupAttribute, overflow bool, now int64) *series {
	if !overflow {
		e.activeSeries.Add(1)
	}
	return &series{
		id:       e.lastSeriesID.Add(1),
		group:    group,
		overflow: overflow,
		start:    now,
		lastSeen: now,
		rings:    state.layout.NewRings(now),
		firing:   make([]bool, len(state.objective.Alerts)),
	}
}

// Stats returns a copy of the engine's counters.
func (e *Engine) Stats() Stats {
	stats := Stats{
		SpansEvaluated: e.spansEvaluated.Load(),
		ActiveSeries:   e.activeSeries.Load(),
	}
	for _, state := range e.objectives {
		os := ObjectiveStats{
			Objective:  state.objective.Name,
			Eligible:   state.stats.eligible.Load(),
			Counted:    state.stats.counted.Load(),
			Overflowed: state.stats.overflowed.Load(),
		}
		for r := range os.Rejected {
			os.Rejected[r] = state.stats.rejected[r].Load()
		}
		state.mu.RLock()
		os.ActiveSeries = int64(state.seriesCount())
		state.mu.RUnlock()
		stats.Objectives = append(stats.Objectives, os)
	}
	return stats
}

// seriesCount counts the objective's series but the overflow series, which
// max_series does not count either; state.mu is held.
func (state *objectiveState) seriesCount() int {
	n := 0
	for _, s := range state.series {
		for ; s != nil; s = s.next {
			n++
		}
	}
	return n
}

func saturatingAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
