// Package window keeps exact good/bad event counts for a set of trailing
// windows, one ring of time buckets per window.
//
// Each window of length W gets BucketsPerWindow buckets of W/BucketsPerWindow,
// so the oldest edge of a window is exact to one bucket: 1/60 of the window.
// A single ring of fine buckets for a 30-day period would need 43,200
// one-minute buckets per series; a ring per window keeps every window as
// accurate as its own length asks for, in 60 buckets.
package window // import "github.com/otelcol-slo/otelcol-slo/internal/window"

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync/atomic"
	"time"
)

// BucketsPerWindow is the number of buckets in each window's ring.
const BucketsPerWindow = 60

// Counts are the good and bad events of one window.
type Counts struct {
	Good uint64
	Bad  uint64
}

// Total is the number of eligible events.
func (c Counts) Total() uint64 { return c.Good + c.Bad }

// Layout describes the rings of every series of one objective. It is immutable
// and shared by all its series.
type Layout struct {
	windows     []time.Duration
	resolutions []int64 // bucket width of each ring, in nanoseconds
	// reciprocals[r] is floor((2^64-1) / resolutions[r]): with it, dividing a
	// non-negative time by a resolution is two multiplications instead of a
	// 64-bit DIV, which costs tens of cycles, and Add divides once per ring.
	reciprocals []uint64
	// clock caches the ring indexes of one instant. Every span of a batch is
	// evaluated at the same collector time, and the indexes only change when
	// that time crosses a bucket boundary, so Add and Fits look them up
	// instead of dividing now by every resolution for every span.
	clock atomic.Pointer[clock]
}

// clock describes the rings at every now in [from, until): the same bucket of
// every ring is the newest then.
type clock struct {
	from, until int64
	rings       []ringClock
}

// ringClock is one ring at a clock: the index of its newest bucket, the
// times that bucket starts and ends, the start of its oldest bucket, and the
// position of the newest bucket in Rings.buckets.
type ringClock struct {
	index      int64
	start, end int64
	oldest     int64
	slot       int
}

// NewLayout returns the layout for the given windows, which must be positive,
// distinct, sorted ascending and at least BucketsPerWindow nanoseconds long.
func NewLayout(windows []time.Duration) (*Layout, error) {
	if len(windows) == 0 {
		return nil, errors.New("no windows")
	}
	if !slices.IsSorted(windows) {
		return nil, fmt.Errorf("windows %v are not sorted", windows)
	}
	l := &Layout{
		windows:     slices.Clone(windows),
		resolutions: make([]int64, len(windows)),
		reciprocals: make([]uint64, len(windows)),
	}
	for i, w := range windows {
		if w < BucketsPerWindow {
			return nil, fmt.Errorf("window %v is too short", w)
		}
		if i > 0 && windows[i-1] == w {
			return nil, fmt.Errorf("window %v is listed twice", w)
		}
		l.resolutions[i] = int64(w) / BucketsPerWindow
		l.reciprocals[i] = math.MaxUint64 / uint64(l.resolutions[i])
	}
	return l, nil
}

// div returns n / resolutions[r] for n >= 0, without a DIV instruction.
// With M = reciprocals[r] <= 2^64/d, q = n*M / 2^64 is at most n/d, and at
// least n/d - 1 for n < 2^63, so one correction step makes it exact.
func (l *Layout) div(n int64, r int) int64 {
	d := uint64(l.resolutions[r])
	q, _ := bits.Mul64(uint64(n), l.reciprocals[r])
	// q++ when the remainder n - q*d is still at least d, without a branch:
	// the subtraction below wraps, setting the top bit, exactly when it is not.
	q += 1 ^ (uint64(n)-q*d-d)>>63
	return int64(q)
}

// clockAt returns the clock of now, which must not be negative: the cached
// one while now stays in the same bucket of every ring, else a new one, which
// then replaces the cache. It allocates only when the clock crosses a bucket
// boundary of the finest ring (every 5s with the default windows).
func (l *Layout) clockAt(now int64) *clock {
	if c := l.clock.Load(); c != nil && now >= c.from && now < c.until {
		return c
	}
	c := &clock{from: 0, until: math.MaxInt64, rings: make([]ringClock, len(l.resolutions))}
	for r, res := range l.resolutions {
		i := now / res
		rc := ringClock{index: i, start: i * res, end: math.MaxInt64, oldest: (i - BucketsPerWindow + 1) * res}
		if i < math.MaxInt64/res-1 {
			rc.end = (i + 1) * res
		}
		rc.slot = 2 * (r*BucketsPerWindow + int(i%BucketsPerWindow))
		c.rings[r] = rc
		c.from, c.until = max(c.from, rc.start), min(c.until, rc.end)
	}
	l.clock.Store(c)
	return c
}

// Windows returns the window lengths, shortest first.
func (l *Layout) Windows() []time.Duration { return l.windows }

// Resolution returns the bucket width of window i: how far its oldest edge
// may be from exactly now minus the window.
func (l *Layout) Resolution(i int) time.Duration { return time.Duration(l.resolutions[i]) }

// Longest returns the longest window, which decides whether an event is too
// old to be counted at all.
func (l *Layout) Longest() time.Duration { return l.windows[len(l.windows)-1] }

// Rings holds the buckets of one series. Its zero value is not usable: create
// it with Layout.NewRings. It is not safe for concurrent use.
type Rings struct {
	// heads[r] is the absolute index (unix nanoseconds / resolution) of ring r's
	// newest bucket.
	heads []int64
	// buckets holds ring r's bucket i at [2*(r*BucketsPerWindow+i)] (good)
	// and the following element (bad), so an increment touches one cache line.
	buckets []uint64
}

// NewRings returns empty rings whose newest bucket holds now (unix nanoseconds).
func (l *Layout) NewRings(now int64) Rings {
	rings := Rings{
		heads:   make([]int64, len(l.resolutions)),
		buckets: make([]uint64, 2*BucketsPerWindow*len(l.resolutions)),
	}
	for r, res := range l.resolutions {
		rings.heads[r] = now / res
	}
	return rings
}

// Fits reports whether an event at the given time, not after now, still falls
// inside the longest window.
func (l *Layout) Fits(now, at int64) bool {
	last := len(l.resolutions) - 1
	if now >= 0 && at >= 0 {
		// at / res > now/res - BucketsPerWindow, as a comparison of times.
		return at >= l.clockAt(now).rings[last].oldest
	}
	res := l.resolutions[last]
	return at/res > now/res-BucketsPerWindow
}

// Current reports whether at falls in now's bucket of every ring. Events at
// any such times land in the same buckets, so that Add may count them
// together: one Add of all their good and bad events at any one of their
// times leaves the rings as one Add per event would.
func (l *Layout) Current(now, at int64) bool {
	if now < 0 || at < 0 {
		return false
	}
	c := l.clockAt(now)
	return at >= c.from && at < c.until
}

// Add counts good and bad events that happened at time at (unix nanoseconds,
// not after now) into every window that still covers that time. It reports
// whether the events landed in at least the longest window.
func (l *Layout) Add(rings *Rings, now, at int64, good, bad uint64) bool {
	if now < 0 || at < 0 {
		return l.addDividing(rings, now, at, good, bad)
	}
	// The same steps as addDividing, without a division: the ring indexes of
	// now come from the clock cache, those of at from div. A ring whose
	// window starts after at is skipped on a comparison of times, without
	// touching its buckets; for the others, whether the event falls inside
	// the ring is a mask rather than a branch, since with events spread over
	// the last hour it is a coin toss for the branch predictor.
	c := l.clockAt(now)
	last := len(l.resolutions) - 1
	// Most spans reach the collector within seconds of their end: at is then
	// in now's bucket of every ring, [c.from, c.until), whose positions the
	// clock holds.
	current := at >= c.from && at < c.until
	landed := false
	for r := range l.resolutions {
		rc := &c.rings[r]
		head := rings.heads[r]
		if rc.index > head {
			l.advance(rings, r, rc.index)
			head = rc.index
		}
		if current && head == rc.index {
			rings.buckets[rc.slot] += good
			rings.buckets[rc.slot+1] += bad
			landed = r == last
			continue
		}
		if at < rc.oldest {
			// at / res <= now/res - BucketsPerWindow <= head - BucketsPerWindow.
			continue
		}
		atIndex := l.div(at, r)
		// head-BucketsPerWindow < atIndex <= head, in one unsigned comparison.
		in := uint64(atIndex-head+BucketsPerWindow-1) < BucketsPerWindow
		var mask uint64
		if in {
			mask = math.MaxUint64
		}
		slot := 2 * (r*BucketsPerWindow + int(uint64(atIndex)%BucketsPerWindow))
		rings.buckets[slot] += good & mask
		rings.buckets[slot+1] += bad & mask
		landed = in && r == last
	}
	return landed
}

// addDividing is Add for times before 1970, where Go's division truncates
// towards zero: kept as it was written, so that every time is handled alike.
func (l *Layout) addDividing(rings *Rings, now, at int64, good, bad uint64) bool {
	landed := false
	for r, res := range l.resolutions {
		l.advance(rings, r, now/res)
		head := rings.heads[r]
		atIndex := at / res
		if atIndex <= head-BucketsPerWindow || atIndex > head {
			continue
		}
		slot := 2 * (r*BucketsPerWindow + int(atIndex%BucketsPerWindow))
		rings.buckets[slot] += good
		rings.buckets[slot+1] += bad
		landed = r == len(l.resolutions)-1
	}
	return landed
}

// Sum moves every ring to now and writes each window's counts into out, which
// must have one element per window.
func (l *Layout) Sum(rings *Rings, now int64, out []Counts) {
	for r, res := range l.resolutions {
		l.advance(rings, r, now/res)
		var c Counts
		base := 2 * r * BucketsPerWindow
		for i := 0; i < BucketsPerWindow; i++ {
			c.Good += rings.buckets[base+2*i]
			c.Bad += rings.buckets[base+2*i+1]
		}
		out[r] = c
	}
}

// advance makes nowIndex ring r's newest bucket, clearing the buckets that fall
// out of the window on the way. A clock that goes backwards leaves the ring as
// it is.
func (l *Layout) advance(rings *Rings, r int, nowIndex int64) {
	head := rings.heads[r]
	if nowIndex <= head {
		return
	}
	base := 2 * r * BucketsPerWindow
	if nowIndex-head >= BucketsPerWindow {
		clear(rings.buckets[base : base+2*BucketsPerWindow])
	} else {
		for i := head + 1; i <= nowIndex; i++ {
			slot := base + 2*int(i%BucketsPerWindow)
			rings.buckets[slot] = 0
			rings.buckets[slot+1] = 0
		}
	}
	rings.heads[r] = nowIndex
}

// SizeBytes is the memory the rings of one series take, for capacity planning.
func (l *Layout) SizeBytes() int {
	return len(l.resolutions) * (8 + 2*8*BucketsPerWindow)
}
