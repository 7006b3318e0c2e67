package openslo

import (
	"strings"
	"time"

	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// spanTypes are the metricSource types read as spans, compared ignoring
// case: otel-spans is the documented one, the others are what people write.
var spanTypes = []string{"otel-spans", "OpenTelemetry", "otel"}

func isSpanType(t string) bool {
	for _, s := range spanTypes {
		if strings.EqualFold(t, s) {
			return true
		}
	}
	return false
}

const presetAvailability = "availability"

// indicatorKind is which connector indicator an SLI becomes.
type indicatorKind int

const (
	indicatorAvailability indicatorKind = iota + 1
	indicatorGood
	indicatorBad
	indicatorLatency
)

// indicator is a converted SLI. A latency SLI is complete only with the SLO
// objective's op and value, so the threshold is left to the SLO.
type indicator struct {
	kind    indicatorKind
	spans   sloconfig.SpanSelector
	groupBy []string
	good    []string
	bad     []string
	// unit is what the objective's value counts for a latency SLI.
	unit  time.Duration
	notes []Note
	// origins maps objective fields to the OpenSLO field they came from, so
	// that a problem the connector's own validation finds names the source.
	origins map[string]origin
}

// origin is where an objective field came from.
type origin struct {
	d    *doc
	path string
}

// role is what a metric source is for within an SLI; each accepts its own
// part of the span source convention.
type role int

const (
	roleTotal role = iota
	roleGood
	roleBad
	roleThreshold
)

// indicator converts the SLI spec found at path in d: "spec" for an SLI
// document, "spec.indicator.spec" for one inlined in an SLO.
func (c *converter) indicator(d *doc, path string, spec *sliSpec) (*indicator, bool) {
	before := c.p.count()
	ind := &indicator{origins: map[string]origin{}}
	if spec.Description != "" {
		ind.notes = append(ind.notes, note(d, join(path, "description"), whyDescriptive))
	}
	switch {
	case spec.RatioMetric != nil && spec.ThresholdMetric != nil:
		c.p.at(d, path, "ratioMetric and thresholdMetric: set only one")
	case spec.RatioMetric != nil:
		c.ratio(d, join(path, "ratioMetric"), spec.RatioMetric, ind)
	case spec.ThresholdMetric != nil:
		mpath := join(path, "thresholdMetric")
		if src, ok := c.spanSource(d, mpath, spec.ThresholdMetric, roleThreshold); ok {
			ind.kind = indicatorLatency
			ind.unit = time.Second
			if src.Unit == "ms" {
				ind.unit = time.Millisecond
			}
			ind.selectSpans(d, mpath, src)
		}
	default:
		c.p.at(d, path, "one of ratioMetric or thresholdMetric is required")
	}
	return ind, c.p.count() == before
}

func (c *converter) ratio(d *doc, path string, r *ratioMetric, ind *indicator) {
	if r.Counter != nil && !*r.Counter {
		c.p.at(d, join(path, "counter"), "false is not supported: spans are events, which are counted; a gauge reading is not span-derivable")
	}
	if r.Raw != nil || r.RawType != nil {
		field := "raw"
		if r.Raw == nil {
			field = "rawType"
		}
		c.p.at(d, join(path, field), "a precomputed ratio is not span-derivable; use good or bad with total")
		return
	}
	if r.Total == nil {
		c.p.at(d, join(path, "total"), "required: total selects the eligible spans")
	} else if src, ok := c.spanSource(d, join(path, "total"), r.Total, roleTotal); ok {
		ind.selectSpans(d, join(path, "total"), src)
	}
	switch {
	case r.Good != nil && r.Bad != nil:
		c.p.at(d, path, "good and bad: set only one")
	case r.Good != nil:
		gpath := join(path, "good")
		if src, ok := c.spanSource(d, gpath, r.Good, roleGood); ok {
			if src.Preset == presetAvailability {
				ind.kind = indicatorAvailability
			} else {
				ind.kind = indicatorGood
				ind.good = src.Conditions
				ind.origins["indicator.good"] = origin{d, join(gpath, "metricSource.spec.conditions")}
			}
		}
	case r.Bad != nil:
		bpath := join(path, "bad")
		if src, ok := c.spanSource(d, bpath, r.Bad, roleBad); ok {
			ind.kind = indicatorBad
			ind.bad = src.Conditions
			ind.origins["indicator.bad"] = origin{d, join(bpath, "metricSource.spec.conditions")}
		}
	default:
		c.p.at(d, join(path, "good"), "one of good or bad is required")
	}
}

// selectSpans takes the eligibility and grouping from the span source of the
// metric at path.
func (ind *indicator) selectSpans(d *doc, path string, src *spanSource) {
	spec := join(path, "metricSource.spec")
	ind.spans = sloconfig.SpanSelector{Kind: src.Kind, Conditions: src.Conditions}
	ind.groupBy = src.GroupBy
	ind.origins["spans.kind"] = origin{d, join(spec, "kind")}
	ind.origins["spans.conditions"] = origin{d, join(spec, "conditions")}
	ind.origins["group_by"] = origin{d, join(spec, "groupBy")}
}

// spanSource checks that the metric at path reads spans and decodes its spec
// by the span source convention, checking the fields its role accepts.
func (c *converter) spanSource(d *doc, path string, m *metricSpec, r role) (*spanSource, bool) {
	before := c.p.count()
	msPath := join(path, "metricSource")
	ms := &m.MetricSource
	if ms.MetricSourceRef != "" {
		c.dataSourceRef(d, join(msPath, "metricSourceRef"), ms.MetricSourceRef)
	}
	switch {
	case ms.Type == "" && ms.MetricSourceRef == "":
		c.p.at(d, join(msPath, "type"), "required: set type otel-spans")
	case ms.Type != "" && !isSpanType(ms.Type):
		c.p.at(d, join(msPath, "type"), "%q is not span-derivable; use type otel-spans", ms.Type)
	}
	if c.p.count() != before {
		return nil, false
	}

	var src spanSource
	specPath := join(msPath, "spec")
	if fields := decodeStrict(&ms.Spec, specPath, &src); len(fields) > 0 {
		c.p.fields(d, fields)
		return nil, false
	}
	misplaced := func(field, why string) { c.p.at(d, join(specPath, field), "%s", why) }
	const onTotal = "not accepted here: set it on total; good and bad only decide which of total's spans are good or bad"
	switch r {
	case roleTotal, roleThreshold:
		if src.Preset != "" {
			misplaced("preset", "accepted on good only")
		}
	case roleGood, roleBad:
		if src.Kind != "" {
			misplaced("kind", onTotal)
		}
		if src.GroupBy != nil {
			misplaced("groupBy", onTotal)
		}
	}
	if r != roleThreshold {
		if src.Measure != "" {
			misplaced("measure", "accepted on thresholdMetric only")
		}
		if src.Unit != "" {
			misplaced("unit", "accepted on thresholdMetric only")
		}
	}
	switch r {
	case roleGood:
		switch {
		case src.Preset != "" && src.Preset != presetAvailability:
			misplaced("preset", `unknown preset "`+src.Preset+`", expected availability`)
		case src.Preset != "" && len(src.Conditions) > 0:
			c.p.at(d, specPath, "preset and conditions: set only one")
		case src.Preset == "" && len(src.Conditions) == 0:
			c.p.at(d, specPath, "one of conditions (OTTL, good when any holds) or preset: availability is required")
		}
	case roleBad:
		if src.Preset != "" {
			misplaced("preset", "not accepted on bad: the availability preset decides which spans are good; set it on good")
		} else if len(src.Conditions) == 0 {
			c.p.at(d, join(specPath, "conditions"), "required: OTTL conditions, bad when any holds")
		}
	case roleThreshold:
		switch src.Measure {
		case "duration":
		case "":
			c.p.at(d, join(specPath, "measure"), "required: duration, the span's length, is the only value a span provides")
		default:
			c.p.at(d, join(specPath, "measure"), "%q is not supported: duration, the span's length, is the only value a span provides", src.Measure)
		}
		switch src.Unit {
		case "", "s", "ms":
		default:
			c.p.at(d, join(specPath, "unit"), "unknown unit %q, expected s (the default) or ms", src.Unit)
		}
	}
	return &src, c.p.count() == before
}

// dataSourceRef checks a metricSourceRef: the DataSource must exist and read
// spans.
func (c *converter) dataSourceRef(d *doc, path, name string) {
	ds := c.in.lookup(kindDataSource, name)
	if ds == nil {
		c.p.at(d, path, "no DataSource named %q in the input; pass the file that defines it", name)
		return
	}
	spec, ok := c.dataSource(ds)
	if !ok {
		return // its own problems are reported
	}
	if !isSpanType(spec.Type) {
		c.p.at(d, path, "DataSource %q has type %q, which is not span-derivable; use type otel-spans", name, spec.Type)
	}
}
