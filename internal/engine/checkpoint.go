package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

// The checkpoint format: checkpointMagic, a version, the objectives with
// their series, and a CRC-32 of everything before it. Bump CheckpointVersion
// on any change; an older checkpoint is then dropped with a warning, never
// misread.
const (
	checkpointMagic = "otelcol-slo checkpoint\n"
	// CheckpointVersion is the format this engine writes and reads.
	CheckpointVersion = 1
)

// Checkpoint encodes the state of every series at now: buckets, cumulative
// counts and their start, last event time and alert states. Each series is
// locked only while it is copied.
func (e *Engine) Checkpoint(now time.Time) []byte {
	enc := &encoder{buf: append(make([]byte, 0, 4096), checkpointMagic...)}
	enc.uint(CheckpointVersion)
	enc.int(now.UnixNano())
	enc.uint(uint64(len(e.objectives)))
	for _, state := range e.objectives {
		o := state.objective
		enc.string(o.Name)
		enc.string(o.Definition)
		enc.float(o.Target)
		enc.int(int64(o.Period))
		enc.strings(o.GroupBy)
		enc.uint(uint64(len(o.Windows)))
		for _, w := range o.Windows {
			enc.int(int64(w))
		}
		enc.uint(uint64(len(o.Alerts)))
		for _, tier := range o.Alerts {
			enc.string(tier.Name)
			enc.string(tier.Severity)
			enc.int(int64(tier.LongWindow))
			enc.int(int64(tier.ShortWindow))
			enc.float(tier.BurnRate)
		}
		all := state.allSeries()
		enc.uint(uint64(len(all)))
		for _, s := range all {
			encodeSeries(enc, state.layout, s)
		}
	}
	return binary.LittleEndian.AppendUint32(enc.buf, crc32.ChecksumIEEE(enc.buf))
}

func encodeSeries(enc *encoder, layout *window.Layout, s *series) {
	enc.bool(s.overflow)
	enc.uint(uint64(len(s.group)))
	for _, g := range s.group {
		enc.string(g.Key)
		enc.bool(g.Present)
		enc.uint(uint64(g.value.typ))
		enc.string(g.value.str)
		enc.uint(g.value.num)
	}
	enc.int(s.start)
	s.mu.Lock()
	enc.int(s.lastSeen)
	enc.uint(s.good)
	enc.uint(s.bad)
	for i := range layout.Windows() {
		ring := layout.ExportRing(&s.rings, i)
		enc.int(ring.Head)
		nonZero := 0
		for b := 0; b < window.BucketsPerWindow; b++ {
			if ring.Buckets[2*b] != 0 || ring.Buckets[2*b+1] != 0 {
				nonZero++
			}
		}
		enc.uint(uint64(nonZero))
		for b := 0; b < window.BucketsPerWindow; b++ {
			if ring.Buckets[2*b] != 0 || ring.Buckets[2*b+1] != 0 {
				enc.uint(uint64(b))
				enc.uint(ring.Buckets[2*b])
				enc.uint(ring.Buckets[2*b+1])
			}
		}
	}
	s.mu.Unlock()
	// firing belongs to Snapshot, which the faces never run concurrently
	// with a checkpoint.
	enc.uint(uint64(len(s.firing)))
	for _, f := range s.firing {
		enc.bool(f)
	}
}

// RestoreReport says what a restore kept and what it dropped.
type RestoreReport struct {
	// SavedAt is when the checkpoint was written.
	SavedAt time.Time
	// Series is the number of series restored.
	Series int
	// Dropped lists, one line each, what was not restored and why.
	Dropped []string
}

// savedObjective is one objective as read from a checkpoint.
type savedObjective struct {
	name, definition string
	target           float64
	period           time.Duration
	groupBy          []string
	windows          []time.Duration
	tiers            []savedTier
	series           []savedSeries
}

type savedTier struct {
	name, severity string
	long, short    time.Duration
	burnRate       float64
}

type savedSeries struct {
	overflow        bool
	group           []GroupAttribute
	start, lastSeen int64
	good, bad       uint64
	rings           []window.RingState
	firing          []bool
}

// Restore loads a checkpoint into an engine that has not counted anything
// yet. It never fails half-way: a checkpoint that is not readable as a whole
// (corrupt, truncated, another version) is rejected with an error and
// nothing restored; within a readable one, objectives that are gone or whose
// definition, target, period or group_by changed are dropped and reported,
// and the rest restored.
func (e *Engine) Restore(data []byte, now time.Time) (RestoreReport, error) {
	var report RestoreReport
	saved, savedAt, err := decodeCheckpoint(data)
	if err != nil {
		return report, err
	}
	report.SavedAt = time.Unix(0, savedAt).UTC()
	byName := map[string]*objectiveState{}
	for _, state := range e.objectives {
		byName[state.objective.Name] = state
	}
	for _, so := range saved {
		state, ok := byName[so.name]
		if !ok {
			report.Dropped = append(report.Dropped, fmt.Sprintf("objective %q: %d series dropped: the objective is no longer configured", so.name, len(so.series)))
			continue
		}
		if reason := changed(state.objective, so); reason != "" {
			report.Dropped = append(report.Dropped, fmt.Sprintf("objective %q: %d series dropped: %s", so.name, len(so.series), reason))
			continue
		}
		restored, dropped := e.restoreObjective(state, so, now.UnixNano())
		report.Series += restored
		if dropped != "" {
			report.Dropped = append(report.Dropped, fmt.Sprintf("objective %q: %s", so.name, dropped))
		}
	}
	return report, nil
}

func decodeCheckpoint(data []byte) ([]savedObjective, int64, error) {
	if len(data) < len(checkpointMagic)+4 {
		return nil, 0, fmt.Errorf("checkpoint is truncated (%d bytes)", len(data))
	}
	if string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, 0, errors.New("not an otelcol-slo checkpoint")
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, 0, errors.New("checkpoint is corrupt or truncated (checksum mismatch)")
	}
	d := &decoder{buf: body[len(checkpointMagic):]}
	if version := d.uint(); d.err == nil && version != CheckpointVersion {
		return nil, 0, fmt.Errorf("checkpoint format version %d is not supported, this collector reads version %d", version, CheckpointVersion)
	}
	savedAt := d.int()
	n := d.count(1)
	objectives := make([]savedObjective, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		objectives = append(objectives, decodeObjective(d))
	}
	if d.err == nil && len(d.buf) != 0 {
		d.fail(fmt.Errorf("%d bytes left over", len(d.buf)))
	}
	if d.err != nil {
		return nil, 0, fmt.Errorf("checkpoint is corrupt: %w", d.err)
	}
	return objectives, savedAt, nil
}

func decodeObjective(d *decoder) savedObjective {
	so := savedObjective{
		name:       d.string(),
		definition: d.string(),
		target:     d.float(),
		period:     time.Duration(d.int()),
		groupBy:    d.strings(),
	}
	for n := d.count(1); n > 0 && d.err == nil; n-- {
		so.windows = append(so.windows, time.Duration(d.int()))
	}
	for n := d.count(1); n > 0 && d.err == nil; n-- {
		so.tiers = append(so.tiers, savedTier{
			name: d.string(), severity: d.string(),
			long: time.Duration(d.int()), short: time.Duration(d.int()),
			burnRate: d.float(),
		})
	}
	for n := d.count(1); n > 0 && d.err == nil; n-- {
		so.series = append(so.series, decodeSeries(d, len(so.windows)))
	}
	return so
}

func decodeSeries(d *decoder, windows int) savedSeries {
	ss := savedSeries{overflow: d.bool()}
	for n := d.count(1); n > 0 && d.err == nil; n-- {
		g := GroupAttribute{Key: d.string(), Present: d.bool()}
		g.value.typ = pcommon.ValueType(d.uint())
		g.value.str = d.string()
		g.value.num = d.uint()
		ss.group = append(ss.group, g)
	}
	ss.start, ss.lastSeen = d.int(), d.int()
	ss.good, ss.bad = d.uint(), d.uint()
	for w := 0; w < windows && d.err == nil; w++ {
		ring := window.RingState{Head: d.int()}
		for n := d.count(1); n > 0 && d.err == nil; n-- {
			b := d.uint()
			if b >= window.BucketsPerWindow {
				d.fail(fmt.Errorf("bucket %d out of range", b))
				break
			}
			ring.Buckets[2*b], ring.Buckets[2*b+1] = d.uint(), d.uint()
		}
		ss.rings = append(ss.rings, ring)
	}
	for n := d.count(1); n > 0 && d.err == nil; n-- {
		ss.firing = append(ss.firing, d.bool())
	}
	return ss
}

// changed says why saved counts no longer mean what the objective counts,
// or "" when they still do.
func changed(o *Objective, so savedObjective) string {
	switch {
	case o.Definition != so.definition:
		return fmt.Sprintf("its service, spans or indicator changed (was %s, now %s)", so.definition, o.Definition)
	case o.Target != so.target:
		return fmt.Sprintf("its target changed from %v%% to %v%%", so.target*100, o.Target*100)
	case o.Period != so.period:
		return fmt.Sprintf("its period changed from %s to %s", duration.Format(so.period), duration.Format(o.Period))
	case !slices.Equal(o.GroupBy, so.groupBy):
		return fmt.Sprintf("its group_by changed from %v to %v", so.groupBy, o.GroupBy)
	}
	return ""
}

// restoreObjective adds the saved series to an objective that has none yet,
// within max_series. It returns how many it restored and what it dropped.
func (e *Engine) restoreObjective(state *objectiveState, so savedObjective, now int64) (int, string) {
	o := state.objective
	// Windows are matched by length: a window added since starts empty, a
	// removed one is forgotten.
	ringFor := make([]int, len(o.Windows))
	for i, w := range o.Windows {
		ringFor[i] = slices.Index(so.windows, w)
	}
	tierFor := make([]int, len(o.Alerts))
	for t, tier := range o.Alerts {
		tierFor[t] = slices.IndexFunc(so.tiers, func(st savedTier) bool {
			return st.name == tier.Name && st.severity == tier.Severity &&
				st.long == tier.LongWindow && st.short == tier.ShortWindow && st.burnRate == tier.BurnRate
		})
	}

	state.mu.Lock()
	defer state.mu.Unlock()
	if len(state.series) > 0 || state.overflow != nil {
		return 0, fmt.Sprintf("%d series dropped: the objective already counted events before the restore", len(so.series))
	}
	restored, overCap, invalid := 0, 0, 0
	for _, ss := range so.series {
		if !validGroup(ss.group, o.GroupBy) {
			invalid++
			continue
		}
		if !ss.overflow && e.activeSeries.Load() >= int64(e.settings.MaxSeries) {
			overCap++
			continue
		}
		s := e.newSeries(state, ss.group, ss.overflow, now)
		s.start, s.lastSeen = ss.start, ss.lastSeen
		s.good, s.bad = ss.good, ss.bad
		s.baseline = Baseline{Good: ss.good, Bad: ss.bad, Time: time.Unix(0, now).UTC()}
		for i, r := range ringFor {
			if r >= 0 && r < len(ss.rings) {
				_ = state.layout.ImportRing(&s.rings, i, ss.rings[r])
			}
		}
		for t, st := range tierFor {
			if st >= 0 && st < len(ss.firing) {
				s.firing[t] = ss.firing[st]
			}
		}
		if ss.overflow {
			state.overflow = s
		} else {
			s.hash = hashGroup(e.seed, s.group)
			s.next = state.series[s.hash]
			state.series[s.hash] = s
		}
		restored++
	}
	var dropped []string
	if overCap > 0 {
		dropped = append(dropped, fmt.Sprintf("%d series dropped: max_series %d reached", overCap, e.settings.MaxSeries))
	}
	if invalid > 0 {
		dropped = append(dropped, fmt.Sprintf("%d series dropped: their group does not match group_by", invalid))
	}
	if len(ringFor) > 0 && slices.Contains(ringFor, -1) && len(so.series) > 0 {
		var fresh []string
		for i, r := range ringFor {
			if r < 0 {
				fresh = append(fresh, duration.Format(o.Windows[i]))
			}
		}
		dropped = append(dropped, fmt.Sprintf("windows %v are new and start empty", fresh))
	}
	return restored, strings.Join(dropped, "; ")
}

func validGroup(group []GroupAttribute, keys []string) bool {
	if len(group) == 0 {
		return true // the overflow series, or an objective without group_by
	}
	if len(group) != len(keys) {
		return false
	}
	for i, g := range group {
		if g.Key != keys[i] {
			return false
		}
	}
	return true
}

// hashGroup computes for stored values the hash groupLookup.collect computes
// for a span's, so that restored series are found again.
func hashGroup(seed maphash.Seed, group []GroupAttribute) uint64 {
	h := uint64(len(group))
	for i, g := range group {
		h = mix(h, uint64(i)+1)
		if !g.Present {
			continue
		}
		h = mixGroupValue(h, seed, g.value.typ, g.value.str, g.value.num)
	}
	return h
}
