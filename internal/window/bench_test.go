package window

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDivIsExact checks the reciprocal division against Go's on bucket
// edges and random times, for the default resolutions and awkward ones.
func TestDivIsExact(t *testing.T) {
	l, err := NewLayout([]time.Duration{60, 61, 7 * time.Minute, 5 * time.Minute * 7 / 3, 1<<40 + 7, 30 * 24 * time.Hour})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for r, res := range l.resolutions {
		for _, n := range []int64{0, 1, res - 1, res, res + 1, 59 * res, math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 / res * res, math.MaxInt64/res*res - 1} {
			require.Equal(t, n/res, l.div(n, r), "n=%d res=%d", n, res)
		}
		for i := 0; i < 100000; i++ {
			n := rng.Int64()
			if i%2 == 0 {
				n = base + rng.Int64N(int64(365*24*time.Hour))
			}
			require.Equal(t, n/res, l.div(n, r), "n=%d res=%d", n, res)
		}
	}
}

// TestAddMatchesDividing feeds the same random events to Add, with its clock
// cache and comparisons, and to addDividing, which divides as the ring
// arithmetic is written, with clocks that move forwards in small and large
// steps, stand still and go backwards, and events before, inside (in now's
// bucket of every ring, most of the time, as live spans are) and after the
// windows: the rings and the results must be identical.
func TestAddMatchesDividing(t *testing.T) {
	for _, windows := range [][]time.Duration{
		{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 30 * 24 * time.Hour},
		{7 * time.Minute, 11 * time.Minute, 13 * time.Hour}, // resolutions that are not multiples of each other
	} {
		l, err := NewLayout(windows)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(3, 4))
		now := base + 17*minute + 3
		fast, slow := l.NewRings(now), l.NewRings(now)
		for i := 0; i < 100000; i++ {
			switch rng.IntN(100) {
			case 0:
				now += rng.Int64N(int64(48 * time.Hour))
			case 1:
				now -= rng.Int64N(int64(10 * time.Minute)) // backwards
			case 2, 3, 4, 5, 6, 7, 8, 9:
				now += rng.Int64N(int64(10 * time.Second))
			}
			var at int64
			switch rng.IntN(10) {
			case 0:
				at = now - rng.Int64N(int64(40*24*time.Hour))
			case 1:
				at = now + rng.Int64N(int64(time.Minute)) // after now: not counted
			case 2, 3, 4, 5:
				at = now - rng.Int64N(int64(10*time.Second)) // now's bucket, or the one before
			default:
				at = now - rng.Int64N(int64(2*time.Hour))
			}
			good, bad := uint64(rng.IntN(2)), uint64(rng.IntN(2))
			require.Equal(t, l.addDividing(&slow, now, at, good, bad), l.Add(&fast, now, at, good, bad), "event %d", i)
			require.Equal(t, l.Fits(now, at), at/l.resolutions[len(l.resolutions)-1] > now/l.resolutions[len(l.resolutions)-1]-BucketsPerWindow)
			if i%997 == 0 {
				require.True(t, slices.Equal(slow.heads, fast.heads), "heads after event %d", i)
				require.True(t, slices.Equal(slow.buckets, fast.buckets), "buckets after event %d", i)
			}
		}
		require.True(t, slices.Equal(slow.heads, fast.heads))
		require.True(t, slices.Equal(slow.buckets, fast.buckets))
	}
}

// TestCurrentEventsAddTogether checks what the engine relies on to count
// live spans together: events whose times are all Current at now, added in
// one go at any one of those times, leave the rings as one Add each does.
func TestCurrentEventsAddTogether(t *testing.T) {
	l := defaultLayout(t)
	rng := rand.New(rand.NewPCG(7, 8))
	now := base + 3*24*60*minute + int64(4*time.Second)
	one, together := l.NewRings(now-int64(time.Hour)), l.NewRings(now-int64(time.Hour))
	var good, bad uint64
	first := int64(-1)
	for i := 0; i < 1000; i++ {
		at := now - rng.Int64N(int64(8*time.Second))
		if !l.Current(now, at) {
			require.Less(t, at, now-int64(4*time.Second)+1, "only the previous 5s bucket is not current")
			continue
		}
		if first < 0 {
			first = at
		}
		g, b := uint64(rng.IntN(2)), uint64(rng.IntN(2))
		good, bad = good+g, bad+b
		l.Add(&one, now, at, g, b)
	}
	require.Positive(t, first)
	l.Add(&together, now, first, good, bad)
	require.Equal(t, one.heads, together.heads)
	require.Equal(t, one.buckets, together.buckets)
	require.False(t, l.Current(now, now+int64(time.Second)), "after now's bucket")
	require.False(t, l.Current(-1, 0))
}

// BenchmarkAdd is one event into the default rings, at times spread over
// the last hour or within the last second, the collector clock standing
// still as within one batch; Add against the plain arithmetic.
func BenchmarkAdd(b *testing.B) {
	l, err := NewLayout([]time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 30 * 24 * time.Hour})
	require.NoError(b, err)
	now := base + 10*24*60*minute + int64(3700*time.Millisecond) // not on a bucket edge
	rng := rand.New(rand.NewPCG(5, 6))
	spread, live := make([]int64, 4096), make([]int64, 4096)
	for i := range spread {
		spread[i] = now - rng.Int64N(int64(time.Hour))
		live[i] = now - rng.Int64N(int64(time.Second))
	}
	for _, events := range []struct {
		name string
		ats  []int64
	}{{"last_hour", spread}, {"last_second", live}} {
		for _, bench := range []struct {
			name string
			add  func(*Rings, int64, int64, uint64, uint64) bool
		}{{"clock", l.Add}, {"dividing", l.addDividing}} {
			b.Run(events.name+"/"+bench.name, func(b *testing.B) {
				r := l.NewRings(now)
				for i := 0; b.Loop(); i++ {
					bench.add(&r, now, events.ats[i%len(events.ats)], 1, 0)
				}
			})
		}
	}
}
