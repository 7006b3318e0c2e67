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
	"slices"
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
	l := &Layout{windows: slices.Clone(windows), resolutions: make([]int64, len(windows))}
	for i, w := range windows {
		if w < BucketsPerWindow {
			return nil, fmt.Errorf("window %v is too short", w)
		}
		if i > 0 && windows[i-1] == w {
			return nil, fmt.Errorf("window %v is listed twice", w)
		}
		l.resolutions[i] = int64(w) / BucketsPerWindow
	}
	return l, nil
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
	res := l.resolutions[last]
	return at/res > now/res-BucketsPerWindow
}

// Add counts good and bad events that happened at time at (unix nanoseconds,
// not after now) into every window that still covers that time. It reports
// whether the events landed in at least the longest window.
func (l *Layout) Add(rings *Rings, now, at int64, good, bad uint64) bool {
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
