package engine

import (
	"math"
	"time"

	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

// Derived holds one window's counts and what follows from them.
type Derived struct {
	Window time.Duration
	Counts window.Counts
	// SLI is good / total; valid only when Counts.Total() > 0.
	SLI float64
	// BurnRate is (bad / total) / (1 - target); valid only when Counts.Total() > 0.
	BurnRate float64
}

// budgetRatio is 1 - target, rounded to twelve decimals: targets are written
// in decimal (99.9), and 1 - 0.999 in binary floating point is
// 0.0010000000000000009, which would show in every burn rate.
func budgetRatio(target float64) float64 {
	return math.Round((1-target)*1e12) / 1e12
}

// RoundTarget turns a target percentage into a ratio rounded to twelve
// decimals, so that 99.9 becomes 0.999 and not 0.9990000000000001.
func RoundTarget(percent float64) float64 {
	return math.Round(percent*1e10) / 1e12
}

// Derive computes the SLI and the burn rate of a window.
func Derive(w time.Duration, c window.Counts, target float64) Derived {
	d := Derived{Window: w, Counts: c}
	if total := c.Total(); total > 0 {
		d.SLI = float64(c.Good) / float64(total)
		d.BurnRate = float64(c.Bad) / float64(total) / budgetRatio(target)
	}
	return d
}

// BudgetRemaining is the share of the period's error budget still unspent:
// 1 - bad / ((1 - target) * total). It is 1 when the period has no events and
// negative once the budget is overspent.
func BudgetRemaining(period window.Counts, target float64) float64 {
	total := period.Total()
	if total == 0 {
		return 1
	}
	return 1 - float64(period.Bad)/(budgetRatio(target)*float64(total))
}

// Exhaustion is how long the remaining budget lasts at the given burn rate:
// remaining * period / burnRate. ok is false when nothing burns (the budget
// never runs out); it is 0 when the budget is already gone.
func Exhaustion(remaining, burnRate float64, period time.Duration) (seconds float64, ok bool) {
	if burnRate <= 0 {
		return 0, false
	}
	if remaining <= 0 {
		return 0, true
	}
	return remaining * period.Seconds() / burnRate, true
}
