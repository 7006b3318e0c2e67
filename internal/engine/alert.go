package engine

import (
	"time"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
)

// AlertTier is one multiwindow, multi-burn-rate alert: it fires while the burn
// rate over both its long and its short window is above BurnRate and the long
// window holds at least MinEvents events.
type AlertTier struct {
	Name        string
	Severity    string
	Escalation  string
	LongWindow  time.Duration
	ShortWindow time.Duration
	BurnRate    float64
	MinEvents   uint64
}

// workbookPeriod is the period the default alert table is written for.
const workbookPeriod = 30 * duration.Day

// WorkbookAlerts returns the default alert table of the SRE workbook, written
// for a 30-day period, scaled to period so that each tier fires after the same
// share of the budget is spent: the burn rates scale by period / 30d, the
// windows stay. Tiers whose long window is longer than the period are left out.
func WorkbookAlerts(period time.Duration) []AlertTier {
	table := []AlertTier{
		{Name: "page", Severity: "sev1", LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BurnRate: 14.4},
		{Name: "page", Severity: "sev2", LongWindow: 6 * time.Hour, ShortWindow: 30 * time.Minute, BurnRate: 6},
		{Name: "ticket", Severity: "sev3", LongWindow: 24 * time.Hour, ShortWindow: 2 * time.Hour, BurnRate: 3},
		{Name: "ticket", Severity: "sev4", LongWindow: 3 * 24 * time.Hour, ShortWindow: 6 * time.Hour, BurnRate: 1},
	}
	scale := float64(period) / float64(workbookPeriod)
	tiers := table[:0]
	for _, tier := range table {
		if tier.LongWindow > period {
			continue
		}
		tier.BurnRate *= scale
		tiers = append(tiers, tier)
	}
	return tiers
}

// BurnRateForBudget converts "fire once this share of the period's budget is
// spent within the long window" into the equivalent burn-rate threshold.
func BurnRateForBudget(budgetConsumed float64, period, longWindow time.Duration) float64 {
	return budgetConsumed * float64(period) / float64(longWindow)
}

// firing evaluates a tier against the counts of its two windows.
func (t AlertTier) firing(long, short Derived) bool {
	if long.Counts.Total() == 0 || short.Counts.Total() == 0 || long.Counts.Total() < t.MinEvents {
		return false
	}
	return long.BurnRate > t.BurnRate && short.BurnRate > t.BurnRate
}
