package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
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
	// index is the objective's position in Engine.objectives; groupKey is
	// shared by the objectives with the same group_by list, whose group
	// values are collected once per span.
	index    int
	groupKey int
	layout   *window.Layout
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
		state.index = len(e.objectives)
		state.groupKey = groupKeyOf(e.objectives, o.GroupBy)
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

// groupKeyOf returns the groupKey of the earlier objective with the same
// group_by list, or a new one.
func groupKeyOf(earlier []*objectiveState, groupBy []string) int {
	for _, state := range earlier {
		if slices.Equal(state.objective.GroupBy, groupBy) {
			return state.groupKey
		}
	}
	return len(earlier)
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
//
// The hot path: the work that does not depend on the objective is done once
// per span however many objectives evaluate it (the availability preset, the
// group_by values and their hash for objectives that group alike, the OTTL
// context, created only when a condition needs it); series found earlier in
// the same call are found again without the objective's lock and map, and
// their live events (in now's bucket of every window) are counted into them
// together at the end of the call, under one lock; the per-objective counters
// are summed locally and added once per call. BENCHMARKS.md has the figures.
func (e *Engine) ConsumeTraces(ctx context.Context, td ptrace.Traces, now time.Time, visit SpanVisitor) {
	nowNanos := now.UnixNano()
	b := batch{
		engine: e,
		ctx:    ctx,
		visit:  visit,
		clock:  eventClock{now: nowNanos, latest: saturatingAdd(nowNanos, int64(e.settings.MaxClockSkew))},
	}
	var evaluated int64
	var sp spanEval
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
				// Reset field by field: zeroing the whole struct, group values
				// included, for every span costs more than it looks.
				sp.rs, sp.ss, sp.span, sp.tCtx = rs, ss, span, nil
				sp.availability, sp.groupKey, sp.conditions = 0, -1, 0
				for _, state := range candidates {
					b.evaluate(state, &sp)
				}
				if sp.tCtx != nil {
					sp.tCtx.Close()
				}
			}
		}
	}
	b.flushMemo()
	b.flushCounts()
	e.spansEvaluated.Add(evaluated)
}

type eventClock struct {
	now    int64 // the collector's clock, unix nanoseconds
	latest int64 // now + max_clock_skew
}

// batch is the state of one ConsumeTraces call. It lives on the caller's
// stack: evaluating a span whose series exists allocates nothing.
type batch struct {
	engine *Engine
	ctx    context.Context
	visit  SpanVisitor
	clock  eventClock
	// memo remembers the series found in this call, direct-mapped by
	// objective and group hash; see seriesFor.
	memo [memoSlots]memoEntry
	// counts are the counters of the first localCountsCap objectives, added
	// to the objectives' atomics once, by flushCounts; rejections, which are
	// rare, go to the atomics directly.
	counts [localCountsCap]localCounts
}

const (
	memoSlots      = 256
	localCountsCap = 64
)

type memoEntry struct {
	state *objectiveState
	hash  uint64
	s     *series
	// good and bad are events for s not counted into it yet, all at times in
	// now's bucket of every ring (window.Layout.Current), as at is: they are
	// added in one go, under one lock, by flush.
	good, bad uint64
	at        int64
}

// flush counts the entry's pending events into its series.
func (m *memoEntry) flush(now int64) {
	if m.good|m.bad != 0 {
		m.s.addCounts(m.state.layout, now, m.at, m.good, m.bad)
		m.good, m.bad = 0, 0
	}
}

type localCounts struct {
	eligible, counted, overflowed int64
}

// spanEval holds what is computed once per span for all its candidates.
// conditionMemoSize is how many condition results one span remembers: enough
// for the objectives of a service that share an eligibility condition.
const conditionMemoSize = 4

// conditionResult is a condition's result on the span being evaluated.
type conditionResult struct {
	condition Condition
	result    bool
	err       error
}

type spanEval struct {
	// conditionResults[:conditions] are the results of the conditions
	// evaluated on this span so far; sloconfig compiles identical condition
	// lists to one Condition, so objectives that share one evaluate it once.
	conditionResults [conditionMemoSize]conditionResult
	conditions       int

	rs   ptrace.ResourceSpans
	ss   ptrace.ScopeSpans
	span ptrace.Span
	tCtx *ottlspan.TransformContext
	// availability is 0 until computed, then 1 (good) or 2 (bad).
	availability int8
	// groupKey is the objectiveState.groupKey lookup was collected for, or -1.
	groupKey int
	lookup   groupLookup
}

// context returns the span's OTTL context, created on first use.
func (sp *spanEval) context() *ottlspan.TransformContext {
	if sp.tCtx == nil {
		sp.tCtx = ottlspan.NewTransformContext(sp.rs, sp.ss, sp.span)
	}
	return sp.tCtx
}

func (b *batch) addEligible(state *objectiveState) {
	if state.index < localCountsCap {
		b.counts[state.index].eligible++
		return
	}
	state.stats.eligible.Add(1)
}

func (b *batch) addCounted(state *objectiveState, overflow bool) {
	if state.index < localCountsCap {
		c := &b.counts[state.index]
		c.counted++
		if overflow {
			c.overflowed++
		}
		return
	}
	state.stats.counted.Add(1)
	if overflow {
		state.stats.overflowed.Add(1)
	}
}

// flushCounts adds the call's local counters to the objectives' atomics.
func (b *batch) flushCounts() {
	objectives := b.engine.objectives
	for i := range min(len(objectives), localCountsCap) {
		c := &b.counts[i]
		if c.eligible == 0 {
			continue
		}
		stats := &objectives[i].stats
		stats.eligible.Add(c.eligible)
		if c.counted != 0 {
			stats.counted.Add(c.counted)
		}
		if c.overflowed != 0 {
			stats.overflowed.Add(c.overflowed)
		}
	}
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

func (b *batch) evaluate(state *objectiveState, sp *spanEval) {
	o := state.objective
	if o.Eligible != nil {
		eligible, err := b.condition(o.Eligible, sp)
		if err != nil {
			state.stats.rejected[ReasonConditionError].Add(1)
			return
		}
		if !eligible {
			return
		}
	}
	b.addEligible(state)

	at, reason, ok := eventTime(sp.span, b.clock, state.layout)
	if !ok {
		state.stats.rejected[reason].Add(1)
		return
	}
	bad, err := b.classify(o.Indicator, sp)
	if err != nil {
		state.stats.rejected[ReasonConditionError].Add(1)
		return
	}

	b.groupValues(state, sp)
	s, m := b.seriesFor(state, &sp.lookup)
	if m != nil && state.layout.Current(b.clock.now, at) {
		// Live spans, which end in now's bucket of every window, wait in the
		// memo and are counted into their series together, once per call.
		if m.good|m.bad == 0 {
			m.at = at
		}
		m.count(bad)
	} else {
		s.add(state.layout, b.clock.now, at, bad)
	}
	b.addCounted(state, s.overflow)
	if b.visit != nil {
		b.visit(sp.span, o, bad, s.burning.Load())
		// The visitor may change the span (the processor face stamps its
		// attributes): what was read from it once is read again.
		sp.availability, sp.groupKey, sp.conditions = 0, -1, 0
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

// groupValues collects the span's values of the objective's group_by, unless
// they were collected for an objective that groups alike.
func (b *batch) groupValues(state *objectiveState, sp *spanEval) {
	if sp.groupKey != state.groupKey {
		sp.lookup.collect(b.engine.seed, state.objective.GroupBy, sp.span, sp.rs.Resource())
		sp.groupKey = state.groupKey
	}
}

// condition evaluates c on the span, once per span however many objectives
// use it.
func (b *batch) condition(c Condition, sp *spanEval) (bool, error) {
	for i := 0; i < sp.conditions; i++ {
		if sp.conditionResults[i].condition == c {
			return sp.conditionResults[i].result, sp.conditionResults[i].err
		}
	}
	result, err := c.Eval(b.ctx, sp.context())
	if sp.conditions < conditionMemoSize {
		sp.conditionResults[sp.conditions] = conditionResult{condition: c, result: result, err: err}
		sp.conditions++
	}
	return result, err
}

// availability returns whether the span fails the availability preset,
// computed once per span.
func (b *batch) availability(sp *spanEval) bool {
	if sp.availability == 0 {
		sp.availability = 1
		if IsAvailabilityFailure(sp.span) {
			sp.availability = 2
		}
	}
	return sp.availability == 2
}

// classify says whether the span is a bad event for the indicator; the
// availability preset and OTTL conditions are evaluated once per span however
// many objectives use them.
func (b *batch) classify(indicator Indicator, sp *spanEval) (bad bool, err error) {
	switch indicator.Kind {
	case Availability:
		return b.availability(sp), nil
	case Latency:
		return time.Duration(sp.span.EndTimestamp()-sp.span.StartTimestamp()) > indicator.Threshold, nil
	case GoodWhen:
		good, err := b.condition(indicator.Condition, sp)
		return !good, err
	case BadWhen:
		return b.condition(indicator.Condition, sp)
	default:
		return false, fmt.Errorf("unknown indicator kind %d", indicator.Kind)
	}
}

func (m *memoEntry) count(bad bool) {
	if bad {
		m.bad++
	} else {
		m.good++
	}
}

// seriesFor returns the series of the looked-up group values, and its memo
// entry when it was found in the call's memo. A series found before in this
// call is taken from the memo, after checking that its values are the
// span's: no lock, no map. That is safe because series are only ever removed
// when they have seen no event for a whole period, and this call already
// counted an event into it: the first event of a series in a call is always
// counted at once (evaluate); only the following ones may wait in the memo
// entry until flushMemo. Overflow results are not memoised, so that a span
// whose series can be created again finds it, as before.
func (b *batch) seriesFor(state *objectiveState, lookup *groupLookup) (*series, *memoEntry) {
	m := &b.memo[(lookup.hash^lookup.hash>>29^uint64(state.index)*0x9e3779b97f4a7c15)%memoSlots]
	if m.state == state && m.hash == lookup.hash && lookup.matches(m.s) {
		return m.s, m
	}
	s := b.engine.seriesFor(state, lookup, b.clock.now)
	if !s.overflow {
		m.flush(b.clock.now)
		*m = memoEntry{state: state, hash: lookup.hash, s: s}
	}
	return s, nil
}

// flushMemo counts every event still waiting in the memo.
func (b *batch) flushMemo() {
	for i := range b.memo {
		b.memo[i].flush(b.clock.now)
	}
}

func (e *Engine) seriesFor(state *objectiveState, lookup *groupLookup, now int64) *series {
	state.mu.RLock()
	s := findSeries(state.series[lookup.hash], lookup)
	state.mu.RUnlock()
	if s != nil {
		return s
	}

	state.mu.Lock()
	defer state.mu.Unlock()
	head := state.series[lookup.hash]
	if s := findSeries(head, lookup); s != nil {
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
