package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const minute = int64(time.Minute)

// base is a bucket boundary for every window below, so that the tests can
// place events exactly at, before and after bucket edges.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

func defaultLayout(t *testing.T) *Layout {
	t.Helper()
	l, err := NewLayout([]time.Duration{
		5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
		6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 30 * 24 * time.Hour,
	})
	require.NoError(t, err)
	return l
}

func sums(l *Layout, r *Rings, now int64) []Counts {
	out := make([]Counts, len(l.Windows()))
	l.Sum(r, now, out)
	return out
}

func TestNewLayoutErrors(t *testing.T) {
	_, err := NewLayout(nil)
	require.EqualError(t, err, "no windows")
	_, err = NewLayout([]time.Duration{time.Hour, time.Minute})
	require.EqualError(t, err, "windows [1h0m0s 1m0s] are not sorted")
	_, err = NewLayout([]time.Duration{time.Hour, time.Hour})
	require.EqualError(t, err, "window 1h0m0s is listed twice")
	_, err = NewLayout([]time.Duration{10})
	require.EqualError(t, err, "window 10ns is too short")
}

func TestResolutionIsASixtiethOfTheWindow(t *testing.T) {
	l := defaultLayout(t)
	want := []time.Duration{
		5 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute,
		6 * time.Minute, 24 * time.Minute, 72 * time.Minute, 12 * time.Hour,
	}
	for i := range l.Windows() {
		assert.Equal(t, want[i], l.Resolution(i), "window %v", l.Windows()[i])
	}
	assert.Equal(t, 30*24*time.Hour, l.Longest())
}

func TestSizeFitsSixteenKiB(t *testing.T) {
	// 8 windows x 60 buckets x (good, bad) x 8 bytes + 8 heads.
	assert.Equal(t, 8*8+8*60*16, defaultLayout(t).SizeBytes())
	assert.LessOrEqual(t, defaultLayout(t).SizeBytes(), 16*1024)
}

func TestEventsLandInEveryWindowCoveringThem(t *testing.T) {
	l := defaultLayout(t)
	now := base + 10*24*60*minute
	r := l.NewRings(now)
	// 4m ago: every window. 20m ago: 30m and up. 90m ago: 2h and up.
	// 5h ago: 6h and up. 2d ago: 3d and up. 20d ago: the period only.
	require.True(t, l.Add(&r, now, now-4*minute, 3, 1))
	require.True(t, l.Add(&r, now, now-20*minute, 5, 0))
	require.True(t, l.Add(&r, now, now-90*minute, 0, 2))
	require.True(t, l.Add(&r, now, now-5*60*minute, 7, 0))
	require.True(t, l.Add(&r, now, now-2*24*60*minute, 0, 4))
	require.True(t, l.Add(&r, now, now-20*24*60*minute, 11, 0))
	assert.Equal(t, []Counts{
		{Good: 3, Bad: 1},  // 5m
		{Good: 8, Bad: 1},  // 30m
		{Good: 8, Bad: 1},  // 1h
		{Good: 8, Bad: 3},  // 2h
		{Good: 15, Bad: 3}, // 6h
		{Good: 15, Bad: 3}, // 1d
		{Good: 15, Bad: 7}, // 3d
		{Good: 26, Bad: 7}, // 30d
	}, sums(l, &r, now))
}

func TestTooOldForEveryWindow(t *testing.T) {
	l := defaultLayout(t)
	now := base + 40*24*60*minute
	r := l.NewRings(now)
	assert.False(t, l.Fits(now, now-31*24*60*minute))
	assert.False(t, l.Add(&r, now, now-31*24*60*minute, 1, 0))
	assert.True(t, l.Fits(now, now-29*24*60*minute))
	for _, c := range sums(l, &r, now) {
		assert.Equal(t, Counts{}, c)
	}
}

// The oldest edge of a window moves a bucket at a time: an event stays in the
// 5m window while its 5s bucket is one of the last 60, so it leaves between
// 4m55s and 5m after it happened, never earlier and never later.
func TestWindowEdgeIsExactToOneBucket(t *testing.T) {
	l, err := NewLayout([]time.Duration{5 * time.Minute, time.Hour})
	require.NoError(t, err)
	second := int64(time.Second)
	at := base + 2*second // inside the bucket [base, base+5s)
	r := l.NewRings(at)
	require.True(t, l.Add(&r, at, at, 1, 0))

	// base+300s starts the 61st bucket after the event's: the event is out.
	for _, tc := range []struct {
		now  int64
		want uint64
	}{
		{at, 1},
		{base + 299*second, 1},
		{base + 300*second - 1, 1},
		{base + 300*second, 0},
		{base + 301*second, 0},
	} {
		got := sums(l, &r, tc.now)
		assert.Equal(t, tc.want, got[0].Good, "5m window at now-at=%v", time.Duration(tc.now-at))
		assert.Equal(t, uint64(1), got[1].Good, "1h window keeps it")
	}
	// The worst case error is the bucket width: here the event is 4m58s old
	// when it leaves, 2s short of 5m, within 5s = 5m/60.
}

func TestLateEventAfterTimePassedLandsInItsBucket(t *testing.T) {
	l, err := NewLayout([]time.Duration{5 * time.Minute, time.Hour})
	require.NoError(t, err)
	now := base + 60*minute
	r := l.NewRings(base)
	// The rings were created an hour ago and saw nothing since; an event that
	// ended 10 minutes ago arrives now.
	require.True(t, l.Add(&r, now, now-10*minute, 0, 1))
	got := sums(l, &r, now)
	assert.Equal(t, Counts{}, got[0])
	assert.Equal(t, Counts{Bad: 1}, got[1])
	// 50 minutes on it is still in the hour, 51 minutes on it is gone.
	got = sums(l, &r, now+49*minute)
	assert.Equal(t, Counts{Bad: 1}, got[1])
	got = sums(l, &r, now+51*minute)
	assert.Equal(t, Counts{}, got[1])
}

func TestAdvanceClearsOnlyExpiredBuckets(t *testing.T) {
	l, err := NewLayout([]time.Duration{time.Hour})
	require.NoError(t, err)
	r := l.NewRings(base)
	for i := int64(0); i < 60; i++ {
		now := base + i*minute
		l.Add(&r, now, now, 1, 0)
	}
	now := base + 59*minute
	assert.Equal(t, uint64(60), sums(l, &r, now)[0].Good)
	// Ten minutes on, the ten oldest buckets are cleared.
	assert.Equal(t, uint64(50), sums(l, &r, now+10*minute)[0].Good)
	// After a long gap everything is cleared at once.
	assert.Equal(t, uint64(0), sums(l, &r, now+10*60*minute)[0].Good)
}

func TestClockGoingBackwardsKeepsCounts(t *testing.T) {
	l, err := NewLayout([]time.Duration{time.Hour})
	require.NoError(t, err)
	now := base + 30*minute
	r := l.NewRings(now)
	l.Add(&r, now, now, 2, 1)
	// The clock steps back five minutes: nothing is cleared, and an event at
	// the earlier clock still lands.
	earlier := now - 5*minute
	require.True(t, l.Add(&r, earlier, earlier, 1, 0))
	assert.Equal(t, Counts{Good: 3, Bad: 1}, sums(l, &r, earlier)[0])
}
