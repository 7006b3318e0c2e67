package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

const tolerance = 1e-9

func TestDerive(t *testing.T) {
	// 99.9% target: the budget is 0.1% of events. 4 bad in 1000 is 0.4%,
	// four times the budget ratio.
	d := Derive(time.Hour, window.Counts{Good: 996, Bad: 4}, 0.999)
	assert.InDelta(t, 0.996, d.SLI, tolerance)
	assert.InDelta(t, 4.0, d.BurnRate, tolerance)

	// 99% target, 2 bad in 200: burn rate exactly 1, spending the budget as
	// fast as the period allows.
	d = Derive(time.Hour, window.Counts{Good: 198, Bad: 2}, 0.99)
	assert.InDelta(t, 0.99, d.SLI, tolerance)
	assert.InDelta(t, 1.0, d.BurnRate, tolerance)

	// No events: nothing to derive.
	d = Derive(time.Hour, window.Counts{}, 0.99)
	assert.Zero(t, d.SLI)
	assert.Zero(t, d.BurnRate)
}

func TestDecimalTargetsStayDecimal(t *testing.T) {
	assert.Equal(t, 0.999, RoundTarget(99.9))
	assert.Equal(t, 0.9995, RoundTarget(99.95))
	assert.Equal(t, 0.99, RoundTarget(99))
	// 2 bad of 200 at 99% is exactly burn rate 2, not 1.9999999999999982.
	assert.Equal(t, 2.0, Derive(time.Hour, window.Counts{Good: 196, Bad: 4}, 0.99).BurnRate)
	assert.Equal(t, -1.0, BudgetRemaining(window.Counts{Good: 4900, Bad: 100}, 0.99))
	assert.Equal(t, 4.0, Derive(time.Hour, window.Counts{Good: 996, Bad: 4}, 0.999).BurnRate)
}

func TestBudgetRemaining(t *testing.T) {
	// 1000 events at 99%: 10 bad allowed. 4 spent leaves 60%.
	assert.InDelta(t, 0.6, BudgetRemaining(window.Counts{Good: 996, Bad: 4}, 0.99), tolerance)
	// Exactly spent.
	assert.InDelta(t, 0.0, BudgetRemaining(window.Counts{Good: 990, Bad: 10}, 0.99), tolerance)
	// Overspent: 25 bad of 10 allowed is -150%.
	assert.InDelta(t, -1.5, BudgetRemaining(window.Counts{Good: 975, Bad: 25}, 0.99), tolerance)
	// No events: the budget is untouched.
	assert.InDelta(t, 1.0, BudgetRemaining(window.Counts{}, 0.99), 0)
}

func TestExhaustion(t *testing.T) {
	period := 30 * 24 * time.Hour
	// Half the budget left, burning at 2x: a quarter of the period, 7.5 days.
	seconds, ok := Exhaustion(0.5, 2, period)
	assert.True(t, ok)
	assert.InDelta(t, 7.5*24*3600, seconds, tolerance)
	// Nothing burning: never.
	_, ok = Exhaustion(0.5, 0, period)
	assert.False(t, ok)
	// Already overspent: now.
	seconds, ok = Exhaustion(-0.2, 3, period)
	assert.True(t, ok)
	assert.Zero(t, seconds)
}

func TestWorkbookAlerts(t *testing.T) {
	tiers := WorkbookAlerts(30 * 24 * time.Hour)
	assert.Equal(t, []AlertTier{
		{Name: "page", Severity: "sev1", LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BurnRate: 14.4},
		{Name: "page", Severity: "sev2", LongWindow: 6 * time.Hour, ShortWindow: 30 * time.Minute, BurnRate: 6},
		{Name: "ticket", Severity: "sev3", LongWindow: 24 * time.Hour, ShortWindow: 2 * time.Hour, BurnRate: 3},
		{Name: "ticket", Severity: "sev4", LongWindow: 72 * time.Hour, ShortWindow: 6 * time.Hour, BurnRate: 1},
	}, tiers)

	// 7 days: each tier must still fire after the same share of the budget,
	// so 2% of the budget in an hour is now 2% * 168h / 1h = 3.36.
	tiers = WorkbookAlerts(7 * 24 * time.Hour)
	assert.Len(t, tiers, 4)
	assert.InDelta(t, 3.36, tiers[0].BurnRate, tolerance)
	assert.InDelta(t, 1.4, tiers[1].BurnRate, tolerance)
	assert.InDelta(t, 0.7, tiers[2].BurnRate, tolerance)
	assert.InDelta(t, 7.0/30, tiers[3].BurnRate, tolerance)

	// 2 days: the 3d tier cannot be evaluated and is left out.
	tiers = WorkbookAlerts(48 * time.Hour)
	assert.Len(t, tiers, 3)
	assert.Equal(t, "sev3", tiers[2].Severity)

	// The share of budget each tier spends is the same for every period.
	for _, period := range []time.Duration{24 * time.Hour, 28 * 24 * time.Hour, 90 * 24 * time.Hour} {
		for i, tier := range WorkbookAlerts(period) {
			share := tier.BurnRate * float64(tier.LongWindow) / float64(period)
			want := WorkbookAlerts(30 * 24 * time.Hour)[i]
			assert.InDelta(t, want.BurnRate*float64(want.LongWindow)/float64(30*24*time.Hour), share, tolerance)
		}
	}
}

func TestBurnRateForBudget(t *testing.T) {
	// 2% of a 30d budget within 1h is the workbook's 14.4.
	assert.InDelta(t, 14.4, BurnRateForBudget(0.02, 30*24*time.Hour, time.Hour), tolerance)
}
