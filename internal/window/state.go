package window

import "fmt"

// RingState is one window's ring as saved in a checkpoint: the absolute index
// of its newest bucket and its BucketsPerWindow (good, bad) pairs, oldest
// position first as stored.
type RingState struct {
	Head    int64
	Buckets [2 * BucketsPerWindow]uint64
}

// ExportRing copies window i's ring.
func (l *Layout) ExportRing(rings *Rings, i int) RingState {
	state := RingState{Head: rings.heads[i]}
	base := 2 * i * BucketsPerWindow
	copy(state.Buckets[:], rings.buckets[base:base+2*BucketsPerWindow])
	return state
}

// ImportRing replaces window i's ring with a saved one. The saved ring must
// come from a window of the same length, so that its bucket indexes mean the
// same times; the time passed since it was saved is cleared on the next Add
// or Sum, as for a series that saw no events meanwhile.
func (l *Layout) ImportRing(rings *Rings, i int, state RingState) error {
	if i < 0 || i >= len(l.resolutions) {
		return fmt.Errorf("window index %d out of range", i)
	}
	rings.heads[i] = state.Head
	base := 2 * i * BucketsPerWindow
	copy(rings.buckets[base:base+2*BucketsPerWindow], state.Buckets[:])
	return nil
}
