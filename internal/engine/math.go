package engine

import (
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

// Derive computes the SLI and the burn rate of a window.
func Derive(w time.Duration, c window.Counts, target float64) Derived {
	d := Derived{Window: w, Counts: c}
	if total := c.Total(); total > 0 {
		d.SLI = float64(c.Good) / float64(total)
		d.BurnRate = float64(c.Bad) / float64(total) / (1 - target)
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
	return 1 - float64(period.Bad)/((1-target)*float64(total))
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
