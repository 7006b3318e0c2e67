package engine

import (
	"cmp"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

// Snapshot is the state of every objective at one instant.
type Snapshot struct {
	Time       time.Time
	Objectives []ObjectiveSnapshot
}

// ObjectiveSnapshot is the state of one objective's series.
type ObjectiveSnapshot struct {
	Objective *Objective
	Series    []SeriesSnapshot
}

// SeriesSnapshot is the state of one series.
type SeriesSnapshot struct {
	// ID tells series apart across snapshots of one engine; a dropped and
	// recreated series gets a new one.
	ID    uint64
	Group []GroupAttribute
	// Overflow marks the series that collects events past max_series.
	Overflow bool
	// Start is when the series began counting; Good and Bad are cumulative
	// since then.
	Start time.Time
	Good  uint64
	Bad   uint64
	// Baseline is the part of Good and Bad restored from a checkpoint, which
	// was reported before the restart.
	Baseline Baseline
	// Windows follow Objective.Windows; the last one is the period.
	Windows []Derived
	// BudgetRemaining is the share of the period's error budget left.
	BudgetRemaining float64
	// Alerts follow Objective.Alerts.
	Alerts []AlertState
}

// Period returns the period window's counts.
func (s SeriesSnapshot) Period() Derived { return s.Windows[len(s.Windows)-1] }

// Baseline is the counts a series was restored with, and when.
type Baseline struct {
	Good, Bad uint64
	Time      time.Time
}

// AlertState is one tier's state in one series.
type AlertState struct {
	Tier   *AlertTier
	Firing bool
}

// Snapshot reads every series at now, evaluates the alert tiers, logs each
// change of an alert's state, and drops the series that have seen no event
// for longer than their period.
func (e *Engine) Snapshot(now time.Time) Snapshot {
	nowNanos := now.UnixNano()
	snap := Snapshot{Time: now, Objectives: make([]ObjectiveSnapshot, len(e.objectives))}
	for i, state := range e.objectives {
		snap.Objectives[i] = e.snapshotObjective(state, nowNanos)
	}
	return snap
}

func (e *Engine) snapshotObjective(state *objectiveState, now int64) ObjectiveSnapshot {
	o := state.objective
	all := state.allSeries()
	out := ObjectiveSnapshot{Objective: o, Series: make([]SeriesSnapshot, 0, len(all))}
	counts := make([]window.Counts, len(o.Windows))
	var expired []*series
	for _, s := range all {
		s.mu.Lock()
		state.layout.Sum(&s.rings, now, counts)
		good, bad, lastSeen := s.good, s.bad, s.lastSeen
		s.mu.Unlock()
		if now-lastSeen > int64(o.Period) {
			expired = append(expired, s)
			continue
		}
		snap := SeriesSnapshot{
			ID:       s.id,
			Group:    s.group,
			Overflow: s.overflow,
			Start:    time.Unix(0, s.start).UTC(),
			Good:     good,
			Bad:      bad,
			Baseline: s.baseline,
			Windows:  make([]Derived, len(counts)),
		}
		for w, c := range counts {
			snap.Windows[w] = Derive(o.Windows[w], c, o.Target)
		}
		snap.BudgetRemaining = BudgetRemaining(snap.Period().Counts, o.Target)
		snap.Alerts = e.evaluateAlerts(state, s, snap.Windows)
		out.Series = append(out.Series, snap)
	}
	if len(expired) > 0 {
		e.dropSeries(state, expired, now)
	}
	return out
}

// allSeries copies the objective's series pointers, so that reading them
// holds the objective's lock only for the copy.
func (state *objectiveState) allSeries() []*series {
	state.mu.RLock()
	defer state.mu.RUnlock()
	all := make([]*series, 0, len(state.series)+1)
	for _, s := range state.series {
		for ; s != nil; s = s.next {
			all = append(all, s)
		}
	}
	// Creation order: stable output for tests and readers, overflow last.
	slices.SortFunc(all, func(a, b *series) int { return cmp.Compare(a.id, b.id) })
	if state.overflow != nil {
		all = append(all, state.overflow)
	}
	return all
}

func (e *Engine) evaluateAlerts(state *objectiveState, s *series, windows []Derived) []AlertState {
	o := state.objective
	if len(o.Alerts) == 0 {
		s.burning.Store(false)
		return nil
	}
	alerts := make([]AlertState, len(o.Alerts))
	burning := false
	for t := range o.Alerts {
		tier := &o.Alerts[t]
		long, short := windows[state.alertWindows[t][0]], windows[state.alertWindows[t][1]]
		firing := tier.firing(long, short)
		if firing != s.firing[t] {
			s.firing[t] = firing
			e.logAlertChange(o, s, tier, firing, long, short)
		}
		alerts[t] = AlertState{Tier: tier, Firing: firing}
		burning = burning || firing
	}
	s.burning.Store(burning)
	return alerts
}

func (e *Engine) logAlertChange(o *Objective, s *series, tier *AlertTier, firing bool, long, short Derived) {
	message := "SLO alert resolved"
	if firing {
		message = "SLO alert firing"
	}
	fields := []zap.Field{
		zap.String("objective", o.Name),
		zap.String("alert", tier.Name),
		zap.String("severity", tier.Severity),
		zap.Bool("firing", firing),
		zap.Float64("threshold", tier.BurnRate),
		zap.String("long_window", duration.Format(tier.LongWindow)),
		zap.Float64("long_burn_rate", long.BurnRate),
		zap.String("short_window", duration.Format(tier.ShortWindow)),
		zap.Float64("short_burn_rate", short.BurnRate),
	}
	if tier.Escalation != "" {
		fields = append(fields, zap.String("escalation", tier.Escalation))
	}
	group := make(map[string]string, len(s.group))
	for _, g := range s.group {
		group[g.Key] = g.Value()
	}
	fields = append(fields, zap.Any("group", group), zap.Bool("overflow", s.overflow))
	e.settings.Logger.Info(message, fields...)
}

// dropSeries removes expired series, checking again under the write lock that
// no event arrived since they were read.
func (e *Engine) dropSeries(state *objectiveState, expired []*series, now int64) {
	period := int64(state.objective.Period)
	state.mu.Lock()
	defer state.mu.Unlock()
	for _, s := range expired {
		s.mu.Lock()
		stale := now-s.lastSeen > period
		s.mu.Unlock()
		if !stale {
			continue
		}
		if s.overflow {
			state.overflow = nil
			continue
		}
		e.activeSeries.Add(-1)
		head := state.series[s.hash]
		if head == s {
			if s.next == nil {
				delete(state.series, s.hash)
			} else {
				state.series[s.hash] = s.next
			}
			continue
		}
		for prev := head; prev != nil; prev = prev.next {
			if prev.next == s {
				prev.next = s.next
				break
			}
		}
	}
}
