package openslo

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// slo converts an SLO document into an objective, with the origins of its
// fields for the final validation.
func (c *converter) slo(d *doc) (Objective, map[string]origin, bool) {
	before := c.p.count()
	var spec sloSpec
	if !c.decodeSpec(d, &spec) {
		return Objective{}, nil, false
	}
	obj := Objective{
		Config: sloconfig.Objective{
			Name:        d.header.Metadata.Name,
			Description: spec.Description,
			Service:     spec.Service,
		},
		From:  fmt.Sprintf("%s (%s)", d.label(), d.file),
		Notes: withoutNote(metadataNotes(d, "metadata", &d.header.Metadata, c.p, annotationAlerts), "metadata.labels"),
	}
	obj.Config.Attributes = c.labels(d, &d.header.Metadata.Labels)
	origins := map[string]origin{
		"name":        {d, "metadata.name"},
		"description": {d, "spec.description"},
		"service":     {d, "spec.service"},
		"period":      {d, "spec.timeWindow[0].duration"},
		"attributes":  {d, "metadata.labels"},
	}
	if spec.Service == "" {
		c.p.at(d, "spec.service", "required: the resource service.name the SLO's spans come from")
	}

	ind := c.sloIndicator(d, &spec)
	if ind != nil {
		obj.Notes = append(obj.Notes, ind.notes...)
		obj.Config.Spans = ind.spans
		obj.Config.GroupBy = ind.groupBy
		for field, o := range ind.origins {
			origins[field] = o
		}
	}
	period := c.period(d, spec.TimeWindow)
	obj.Config.Period = duration.Duration(period)
	c.budgeting(d, spec.BudgetingMethod)
	c.objective(d, &spec, ind, &obj, origins)
	c.tiers(d, &spec, period, &obj, origins)
	return obj, origins, c.p.count() == before
}

// sloIndicator resolves the SLI, inline or by reference; nil when it has
// problems, which are reported.
func (c *converter) sloIndicator(d *doc, spec *sloSpec) *indicator {
	for i := range spec.Objectives {
		o := &spec.Objectives[i]
		if o.Indicator != nil || o.IndicatorRef != nil || o.CompositeWeight != nil {
			c.p.at(d, fmt.Sprintf("spec.objectives[%d]", i), "composite SLOs (an indicator per objective) are not supported: write one SLO per indicator")
			return nil
		}
	}
	switch {
	case spec.Indicator != nil && spec.IndicatorRef != nil:
		c.p.at(d, "spec", "indicator and indicatorRef: set only one")
	case spec.Indicator != nil:
		notes := metadataNotes(d, "spec.indicator.metadata", &spec.Indicator.Metadata, c.p)
		ind, ok := c.indicator(d, "spec.indicator.spec", &spec.Indicator.Spec)
		if ok {
			ind.notes = append(notes, ind.notes...)
			return ind
		}
	case spec.IndicatorRef != nil:
		sli := c.in.lookup(kindSLI, *spec.IndicatorRef)
		if sli == nil {
			c.p.at(d, "spec.indicatorRef", "no SLI named %q in the input; pass the file that defines it", *spec.IndicatorRef)
			return nil
		}
		if ind, ok := c.sliDoc(sli); ok {
			return ind
		}
	default:
		c.p.at(d, "spec", "one of indicator or indicatorRef is required")
	}
	return nil
}

// period reads the single rolling time window; 0 after a problem.
func (c *converter) period(d *doc, windows []timeWindow) time.Duration {
	if len(windows) != 1 {
		c.p.at(d, "spec.timeWindow", "exactly one rolling window is required, e.g. [{duration: 28d, isRolling: true}], got %d", len(windows))
		return 0
	}
	w := &windows[0]
	switch {
	case w.Calendar != nil:
		c.p.at(d, "spec.timeWindow[0].calendar", "calendar-aligned windows are not supported: the connector keeps rolling windows only; "+
			"remove calendar and set isRolling: true")
		return 0
	case w.IsRolling == nil || !*w.IsRolling:
		c.p.at(d, "spec.timeWindow[0].isRolling", "must be true: the connector keeps rolling windows only")
		return 0
	case w.Duration == "":
		c.p.at(d, "spec.timeWindow[0].duration", "required, e.g. 28d")
		return 0
	}
	period, err := parseShorthand(w.Duration)
	switch {
	case err != nil:
		c.p.at(d, "spec.timeWindow[0].duration", "%v", err)
		return 0
	case period < sloconfig.MinPeriod:
		c.p.at(d, "spec.timeWindow[0].duration", "must be at least %s, got %s", duration.Format(sloconfig.MinPeriod), w.Duration)
		return 0
	}
	return period
}

func (c *converter) budgeting(d *doc, method string) {
	switch method {
	case "Occurrences":
	case "":
		c.p.at(d, "spec.budgetingMethod", "required: Occurrences")
	case "Timeslices", "RatioTimeslices":
		c.p.at(d, "spec.budgetingMethod", "%q is not supported: only Occurrences (good events / all events) can be counted from spans", method)
	default:
		c.p.at(d, "spec.budgetingMethod", "unknown method %q, expected Occurrences", method)
	}
}

// objective reads the single objective: the target, and for a latency SLI the
// threshold from op and value.
func (c *converter) objective(d *doc, spec *sloSpec, ind *indicator, obj *Objective, origins map[string]origin) {
	if len(spec.Objectives) == 0 {
		c.p.at(d, "spec.objectives", "required: one objective, e.g. [{target: 0.999}]")
		return
	}
	if len(spec.Objectives) > 1 {
		c.p.at(d, "spec.objectives", "%d objectives given, exactly one is supported: write one SLO per objective", len(spec.Objectives))
		return
	}
	const path = "spec.objectives[0]"
	o := &spec.Objectives[0]
	if o.DisplayName != "" {
		obj.Notes = append(obj.Notes, note(d, path+".displayName", whyDescriptive))
	}
	// Under Timeslices budgeting the time-slice fields belong; the method
	// itself is the problem, and reported once.
	if spec.BudgetingMethod == "Occurrences" {
		if o.TimeSliceTarget != nil {
			c.p.at(d, path+".timeSliceTarget", "applies to Timeslices budgeting only; this SLO counts Occurrences")
		}
		if o.TimeSliceWindow != nil {
			c.p.at(d, path+".timeSliceWindow", "applies to Timeslices budgeting only; this SLO counts Occurrences")
		}
	}
	switch {
	case o.Target != nil && o.TargetPercent != nil:
		c.p.at(d, path, "target and targetPercent: set only one")
	case o.Target != nil:
		origins["target"] = origin{d, path + ".target"}
		if t := *o.Target; !(t > 0 && t < 1) {
			c.p.at(d, path+".target", "must be a ratio greater than 0 and less than 1, e.g. 0.999, got %v", t)
		} else {
			obj.Config.Target = ratioToPercent(t)
		}
	case o.TargetPercent != nil:
		origins["target"] = origin{d, path + ".targetPercent"}
		if t := *o.TargetPercent; !(t > 0 && t < 100) {
			c.p.at(d, path+".targetPercent", "must be a percentage greater than 0 and less than 100, e.g. 99.9, got %v", t)
		} else {
			obj.Config.Target = t
		}
	default:
		c.p.at(d, path, "one of target (a ratio, e.g. 0.999) or targetPercent is required")
	}
	if ind == nil {
		return
	}
	if ind.kind != indicatorLatency {
		if o.Op != "" || o.Value != nil {
			field := "op"
			if o.Op == "" {
				field = "value"
			}
			c.p.at(d, path+"."+field, "applies to a thresholdMetric SLI only; this SLI is a ratioMetric")
		}
		obj.Config.Indicator = indicatorConfig(ind)
		return
	}
	c.latency(d, path, o, ind, obj, origins)
}

// latency completes a latency indicator from op and value.
func (c *converter) latency(d *doc, path string, o *objective, ind *indicator, obj *Objective, origins map[string]origin) {
	switch o.Op {
	case "lte":
	case "lt":
		obj.Notes = append(obj.Notes, note(d, path+".op", whyLT))
	case "":
		c.p.at(d, path+".op", "required for a thresholdMetric SLI: lte, good when the span lasts at most value")
	case "gt", "gte":
		c.p.at(d, path+".op", "%q is not supported: a latency SLI counts spans lasting at most value as good; use lte or lt", o.Op)
	default:
		c.p.at(d, path+".op", "unknown operator %q, expected lte or lt", o.Op)
	}
	unit := "s"
	if ind.unit == time.Millisecond {
		unit = "ms"
	}
	if o.Value == nil {
		c.p.at(d, path+".value", "required for a thresholdMetric SLI: the latency threshold in %s", unit)
		return
	}
	ns := *o.Value * float64(ind.unit)
	if !(ns >= 1) || ns > math.MaxInt64 {
		c.p.at(d, path+".value", "must be a positive duration in %s, got %v", unit, *o.Value)
		return
	}
	origins["indicator.latency.threshold"] = origin{d, path + ".value"}
	obj.Config.Indicator = sloconfig.Indicator{
		Latency: &sloconfig.LatencyIndicator{Threshold: duration.Duration(math.Round(ns))},
	}
}

func indicatorConfig(ind *indicator) sloconfig.Indicator {
	switch ind.kind {
	case indicatorAvailability:
		return sloconfig.Indicator{Availability: &sloconfig.AvailabilityIndicator{}}
	case indicatorGood:
		return sloconfig.Indicator{Good: ind.good}
	case indicatorBad:
		return sloconfig.Indicator{Bad: ind.bad}
	}
	return sloconfig.Indicator{}
}

// ratioToPercent turns an OpenSLO target ratio into the connector's percent,
// rounded to ten decimals so that 0.999 becomes 99.9 and not
// 99.89999999999999.
func ratioToPercent(ratio float64) float64 {
	return math.Round(ratio*100*1e10) / 1e10
}

// labels turns an SLO's metadata.labels into the objective's static
// attributes: OpenSLO allows a string or a list of strings per label, and a
// list becomes its values joined by commas.
func (c *converter) labels(d *doc, node *yaml.Node) map[string]string {
	if isNull(node) {
		return nil
	}
	if node.Kind != yaml.MappingNode {
		c.p.at(d, "metadata.labels", "expected a map of label names to a string or a list of strings")
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i].Value, node.Content[i+1]
		switch value.Kind {
		case yaml.ScalarNode:
			out[key] = value.Value
		case yaml.SequenceNode:
			values := make([]string, 0, len(value.Content))
			for _, item := range value.Content {
				if item.Kind != yaml.ScalarNode {
					c.p.at(d, "metadata.labels."+key, "expected a string or a list of strings")
					return nil
				}
				values = append(values, item.Value)
			}
			out[key] = strings.Join(values, ",")
		default:
			c.p.at(d, "metadata.labels."+key, "expected a string or a list of strings")
			return nil
		}
	}
	return out
}

// withoutNote drops the note on path: a field that is carried over after all.
func withoutNote(notes []Note, path string) []Note {
	return slices.DeleteFunc(notes, func(n Note) bool { return n.Path == path })
}
