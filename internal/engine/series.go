package engine

import (
	"hash/maphash"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/internal/window"
)

const (
	// MaxGroupBy is the most attributes one objective can group by; it lets the
	// values of one span live on the stack.
	MaxGroupBy = 16
	// MaxGroupValueBytes is where group_by values are cut: a hostile 1 MiB
	// attribute must not become a 1 MiB label in every series.
	MaxGroupValueBytes = 256
)

// series is one value combination of an objective's group_by attributes.
//
// The fields every counted span touches come first, so that they share the
// struct's first two cache lines.
type series struct {
	mu       sync.Mutex
	overflow bool             // set at creation, then read-only
	group    []GroupAttribute // set at creation, then read-only
	rings    window.Rings
	good     uint64
	bad      uint64
	lastSeen int64
	// Written by Snapshot, read by the processor face on the hot path.
	burning atomic.Bool

	// Set at creation, then read-only.
	id    uint64
	start int64
	// baseline is what a checkpoint restored, for delta temporality.
	baseline Baseline
	hash     uint64
	next     *series // the next series with the same hash

	// firing is each alert tier's last state; only Snapshot touches it.
	firing []bool
}

func (s *series) add(layout *window.Layout, now, at int64, bad bool) {
	if bad {
		s.addCounts(layout, now, at, 0, 1)
	} else {
		s.addCounts(layout, now, at, 1, 0)
	}
}

// addCounts counts good and bad events at time at, seen at now.
func (s *series) addCounts(layout *window.Layout, now, at int64, good, bad uint64) {
	s.mu.Lock()
	layout.Add(&s.rings, now, at, good, bad)
	s.good += good
	s.bad += bad
	if now > s.lastSeen {
		s.lastSeen = now
	}
	s.mu.Unlock()
}

// GroupAttribute is one group_by attribute of a series. A series whose span
// had no such attribute has Present false, and the attribute is left out of
// its data points.
type GroupAttribute struct {
	Key     string
	Present bool
	value   groupValue
}

// CopyTo puts the attribute into m, with the type it had on the span.
func (g GroupAttribute) CopyTo(m pcommon.Map) {
	if !g.Present {
		return
	}
	switch g.value.typ {
	case pcommon.ValueTypeInt:
		m.PutInt(g.Key, int64(g.value.num))
	case pcommon.ValueTypeDouble:
		m.PutDouble(g.Key, math.Float64frombits(g.value.num))
	case pcommon.ValueTypeBool:
		m.PutBool(g.Key, g.value.num != 0)
	default:
		m.PutStr(g.Key, g.value.str)
	}
}

// Value returns the attribute's value as text, for logs.
func (g GroupAttribute) Value() string {
	if !g.Present {
		return ""
	}
	v := pcommon.NewValueEmpty()
	switch g.value.typ {
	case pcommon.ValueTypeInt:
		v.SetInt(int64(g.value.num))
	case pcommon.ValueTypeDouble:
		v.SetDouble(math.Float64frombits(g.value.num))
	case pcommon.ValueTypeBool:
		v.SetBool(g.value.num != 0)
	default:
		return g.value.str
	}
	return v.AsString()
}

// groupValue is a group_by value in canonical form: strings cut to
// MaxGroupValueBytes and made valid UTF-8, other scalars by their bits.
type groupValue struct {
	typ pcommon.ValueType
	str string
	num uint64
}

// groupLookup holds one span's group_by values while its series is found.
// It lives on the stack: finding an existing series allocates nothing.
type groupLookup struct {
	values  [MaxGroupBy]pcommon.Value
	present [MaxGroupBy]bool
	n       int
	hash    uint64
}

func (g *groupLookup) collect(seed maphash.Seed, keys []string, span ptrace.Span, resource pcommon.Resource) {
	g.n = len(keys)
	h := uint64(len(keys))
	for i, key := range keys {
		v, ok := span.Attributes().Get(key)
		if !ok {
			v, ok = resource.Attributes().Get(key)
		}
		g.values[i], g.present[i] = v, ok
		h = mix(h, uint64(i)+1)
		if !ok {
			continue
		}
		switch v.Type() {
		case pcommon.ValueTypeStr:
			h = mixGroupValue(h, seed, v.Type(), canonicalString(v.Str()), 0)
		case pcommon.ValueTypeInt:
			h = mixGroupValue(h, seed, v.Type(), "", uint64(v.Int()))
		case pcommon.ValueTypeDouble:
			h = mixGroupValue(h, seed, v.Type(), "", math.Float64bits(v.Double()))
		case pcommon.ValueTypeBool:
			var num uint64
			if v.Bool() {
				num = 1
			}
			h = mixGroupValue(h, seed, v.Type(), "", num)
		default:
			// Bytes, maps and slices are rare as group keys; their text form costs
			// an allocation, which is acceptable off the common path.
			h = mixGroupValue(h, seed, v.Type(), canonicalString(v.AsString()), 0)
		}
	}
	g.hash = h
}

func (g *groupLookup) matches(s *series) bool {
	if s.overflow || len(s.group) != g.n {
		return false
	}
	for i := 0; i < g.n; i++ {
		attr := s.group[i]
		if attr.Present != g.present[i] {
			return false
		}
		if !attr.Present {
			continue
		}
		v := g.values[i]
		if v.Type() != attr.value.typ {
			return false
		}
		switch v.Type() {
		case pcommon.ValueTypeStr:
			// The stored value is canonical, so a span value equal to it is
			// too; only a different one may still match once cut or repaired.
			if str := v.Str(); str != attr.value.str && canonicalString(str) != attr.value.str {
				return false
			}
		case pcommon.ValueTypeInt:
			if uint64(v.Int()) != attr.value.num {
				return false
			}
		case pcommon.ValueTypeDouble:
			if math.Float64bits(v.Double()) != attr.value.num {
				return false
			}
		case pcommon.ValueTypeBool:
			if v.Bool() != (attr.value.num != 0) {
				return false
			}
		default:
			if canonicalString(v.AsString()) != attr.value.str {
				return false
			}
		}
	}
	return true
}

// attributes copies the looked-up values into a new series' group.
func (g *groupLookup) attributes(keys []string) []GroupAttribute {
	if g.n == 0 {
		return nil
	}
	group := make([]GroupAttribute, g.n)
	for i := 0; i < g.n; i++ {
		group[i] = GroupAttribute{Key: keys[i], Present: g.present[i]}
		if !g.present[i] {
			continue
		}
		v := g.values[i]
		gv := groupValue{typ: v.Type()}
		switch v.Type() {
		case pcommon.ValueTypeStr:
			gv.str = strings.Clone(canonicalString(v.Str()))
		case pcommon.ValueTypeInt:
			gv.num = uint64(v.Int())
		case pcommon.ValueTypeDouble:
			gv.num = math.Float64bits(v.Double())
		case pcommon.ValueTypeBool:
			if v.Bool() {
				gv.num = 1
			}
		default:
			gv.str = canonicalString(v.AsString())
		}
		group[i].value = gv
	}
	return group
}

// canonicalString cuts s to MaxGroupValueBytes and replaces invalid UTF-8, so
// that what is matched is what is exported. Only hostile input allocates.
func canonicalString(s string) string {
	if len(s) > MaxGroupValueBytes {
		// Cut at a character boundary, so that a long but valid value does
		// not become invalid, which would cost an allocation per span.
		cut := MaxGroupValueBytes
		for cut > MaxGroupValueBytes-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// mixGroupValue folds one present group value, in its canonical form, into
// h. A span's values (collect) and a restored series' values (hashGroup) go
// through it alike, so that both find the same series.
func mixGroupValue(h uint64, seed maphash.Seed, typ pcommon.ValueType, str string, num uint64) uint64 {
	h = mix(h, uint64(typ))
	switch typ {
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble:
		return mix(h, num)
	case pcommon.ValueTypeBool:
		if num != 0 {
			return mix(h, 1)
		}
		return h
	default:
		return mix(h, maphash.String(seed, str))
	}
}

func mix(h, v uint64) uint64 {
	h ^= v + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
	return h * 0xff51afd7ed558ccd
}
