package openslo

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// shortWindowDivisor derives a tier's short window from its long one: OpenSLO
// has a single lookbackWindow, while the connector's tiers need two windows
// to reset quickly once the burn stops. The SRE workbook's table keeps the
// short window at 1/12 of the long one: 1h/5m, 6h/30m, 1d/2h, 3d/6h.
const shortWindowDivisor = 12

// condition is a converted AlertCondition: one tier, still without the
// escalation its policy supplies.
type condition struct {
	d *doc
	// path is where the AlertCondition object is in d: "" for a document,
	// "spec.conditions[0]" when inlined in a policy.
	path      string
	name      string
	severity  string
	burnRate  float64
	long      time.Duration
	short     time.Duration
	minEvents uint64
	notes     []Note
}

// condition converts an AlertCondition, a document or inlined at path in d.
func (c *converter) condition(d *doc, path string, meta *metadata, spec *alertConditionSpec) (*condition, bool) {
	before := c.p.count()
	cond := &condition{d: d, path: path, name: meta.Name, severity: spec.Severity}
	cond.notes = metadataNotes(d, join(path, "metadata"), meta, c.p, annotationShortWindow, annotationMinEvents)
	specPath := join(path, "spec")
	if spec.Description != "" {
		cond.notes = append(cond.notes, note(d, join(specPath, "description"), whyDescriptive))
	}
	if spec.Severity == "" {
		c.p.at(d, join(specPath, "severity"), "required, e.g. page or sev1: it becomes the slo.severity attribute")
	}
	shape := spec.Condition
	if shape == nil {
		c.p.at(d, join(specPath, "condition"), "required: a burnrate condition")
		return cond, false
	}
	cpath := join(specPath, "condition")
	if shape.Kind != "" && shape.Kind != "burnrate" {
		c.p.at(d, join(cpath, "kind"), "unknown kind %q, expected burnrate", shape.Kind)
	}
	switch shape.Op {
	case "", "gt":
	case "gte":
		cond.notes = append(cond.notes, note(d, join(cpath, "op"), whyGTE))
	case "lt", "lte":
		c.p.at(d, join(cpath, "op"), "%q is not supported: a burn-rate alert fires when the burn rate is above the threshold; use gt", shape.Op)
	default:
		c.p.at(d, join(cpath, "op"), "unknown operator %q, expected gt", shape.Op)
	}
	switch t := shape.Threshold; {
	case t == nil:
		c.p.at(d, join(cpath, "threshold"), "required: the burn rate to alert above, e.g. 14.4")
	case *t <= 0 || math.IsNaN(*t) || math.IsInf(*t, 0):
		c.p.at(d, join(cpath, "threshold"), "must be a positive burn rate, got %v", *t)
	default:
		cond.burnRate = *t
	}
	if shape.AlertAfter != "" {
		if after, err := parseShorthand(shape.AlertAfter); err != nil {
			c.p.at(d, join(cpath, "alertAfter"), "%v", err)
		} else if after != 0 {
			c.p.at(d, join(cpath, "alertAfter"), "%s is not supported: a tier fires as soon as both its windows burn above the threshold; "+
				"remove alertAfter (or set 0m) and delay in the alert router if needed (Prometheus for:)", shape.AlertAfter)
		}
	}
	c.windows(cond, meta, cpath, shape.LookbackWindow)
	return cond, c.p.count() == before
}

// windows sets the long window from lookbackWindow, the short one from the
// annotation or else long/12, and the minimum events from the annotation.
func (c *converter) windows(cond *condition, meta *metadata, cpath, lookback string) {
	d := cond.d
	lpath := join(cpath, "lookbackWindow")
	apath := join(cond.path, "metadata.annotations")
	if raw, set := meta.Annotations[annotationMinEvents]; set {
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			c.p.at(d, apath, "%s: expected a whole number of events, got %q", annotationMinEvents, raw)
		}
		cond.minEvents = n
	}
	long, err := parseShorthand(lookback)
	switch {
	case lookback == "":
		c.p.at(d, lpath, "required: the long window, e.g. 1h")
		return
	case err != nil:
		c.p.at(d, lpath, "%v", err)
		return
	case long == 0:
		c.p.at(d, lpath, "must be positive")
		return
	}
	cond.long = long
	if raw, set := meta.Annotations[annotationShortWindow]; set {
		short, err := duration.Parse(raw)
		switch {
		case err != nil:
			c.p.at(d, apath, "%s: %v", annotationShortWindow, err)
		case short < sloconfig.MinWindow:
			c.p.at(d, apath, "%s: must be at least %s, got %s", annotationShortWindow, duration.Format(sloconfig.MinWindow), raw)
		case short >= long:
			c.p.at(d, apath, "%s: must be shorter than lookbackWindow %s, got %s", annotationShortWindow, lookback, raw)
		default:
			cond.short = short
		}
		return
	}
	short := long / shortWindowDivisor
	if short < sloconfig.MinWindow {
		c.p.at(d, lpath, "%s gives a short window of %s (lookbackWindow / %d), below the connector's %s minimum; "+
			"use a lookbackWindow of at least %s or set the annotation %s",
			lookback, duration.Format(short), shortWindowDivisor, duration.Format(sloconfig.MinWindow),
			duration.Format(shortWindowDivisor*sloconfig.MinWindow), annotationShortWindow)
		return
	}
	cond.short = short
}

// policy is a converted AlertPolicy: its conditions with the escalation of
// its notification targets.
type policy struct {
	conditions []*condition
	escalation string
	notes      []Note
}

// policy converts an AlertPolicy, a document or inlined at path in d.
func (c *converter) policy(d *doc, path string, meta *metadata, spec *alertPolicySpec) (*policy, bool) {
	before := c.p.count()
	pol := &policy{notes: metadataNotes(d, join(path, "metadata"), meta, c.p)}
	specPath := join(path, "spec")
	if spec.Description != "" {
		pol.notes = append(pol.notes, note(d, join(specPath, "description"), whyDescriptive))
	}
	if v := spec.AlertWhenNoData; v != nil && *v {
		c.p.at(d, join(specPath, "alertWhenNoData"), "true is not supported: with no events the burn rate is absent and slo.alert stays 0; "+
			"alert on absent SLO metrics in the backend instead")
	}
	if v := spec.AlertWhenBreaching; v != nil && !*v {
		c.p.at(d, join(specPath, "alertWhenBreaching"), "false is not supported: a tier's alert is the breaching state itself")
	}
	if spec.AlertWhenResolved != nil {
		pol.notes = append(pol.notes, note(d, join(specPath, "alertWhenResolved"), whyResolved))
	}
	if len(spec.Conditions) == 0 {
		c.p.at(d, join(specPath, "conditions"), "required: at least one burnrate condition")
	}
	for i := range spec.Conditions {
		item := &spec.Conditions[i]
		ipath := join(specPath, "conditions") + "[" + strconv.Itoa(i) + "]"
		cond, ok := c.conditionItem(d, ipath, item)
		if ok {
			pol.conditions = append(pol.conditions, cond)
		}
	}
	var escalation []string
	for i := range spec.NotificationTargets {
		item := &spec.NotificationTargets[i]
		ipath := join(specPath, "notificationTargets") + "[" + strconv.Itoa(i) + "]"
		if t, ok := c.targetItem(d, ipath, item); ok {
			escalation = append(escalation, t.text)
			pol.notes = append(pol.notes, t.notes...)
		}
	}
	pol.escalation = strings.Join(escalation, "; ")
	return pol, c.p.count() == before
}

func (c *converter) conditionItem(d *doc, path string, item *conditionItem) (*condition, bool) {
	inline := item.Kind != "" || item.Metadata != nil || item.Spec != nil
	switch {
	case item.ConditionRef == nil && !inline:
		c.p.at(d, path, "one of conditionRef or an inline AlertCondition (kind, metadata, spec) is required")
	case item.ConditionRef != nil && inline:
		c.p.at(d, path, "conditionRef and an inline AlertCondition: set only one")
	case item.ConditionRef != nil:
		target := c.in.lookup(kindAlertCondition, *item.ConditionRef)
		if target == nil {
			c.p.at(d, join(path, "conditionRef"), "no AlertCondition named %q in the input; pass the file that defines it", *item.ConditionRef)
			return nil, false
		}
		return c.conditionDoc(target)
	case item.Kind != kindAlertCondition:
		c.p.at(d, join(path, "kind"), "expected AlertCondition for an inline condition, got %q", item.Kind)
	case item.Metadata == nil || item.Metadata.Name == "":
		c.p.at(d, join(path, "metadata.name"), "required: it becomes the tier's name, the slo.alert.name attribute")
	case item.Spec == nil:
		c.p.at(d, join(path, "spec"), "required")
	default:
		return c.condition(d, path, item.Metadata, item.Spec)
	}
	return nil, false
}

// target is a converted AlertNotificationTarget: the text it adds to the
// escalation of its policy's tiers.
type target struct {
	text  string
	notes []Note
}

func (c *converter) targetItem(d *doc, path string, item *targetItem) (*target, bool) {
	inline := item.Kind != "" || item.Metadata != nil || item.Spec != nil
	switch {
	case item.TargetRef == nil && !inline:
		c.p.at(d, path, "one of targetRef or an inline AlertNotificationTarget (kind, metadata, spec) is required")
	case item.TargetRef != nil && inline:
		c.p.at(d, path, "targetRef and an inline AlertNotificationTarget: set only one")
	case item.TargetRef != nil:
		ref := c.in.lookup(kindAlertNotificationTarget, *item.TargetRef)
		if ref == nil {
			c.p.at(d, join(path, "targetRef"), "no AlertNotificationTarget named %q in the input; pass the file that defines it", *item.TargetRef)
			return nil, false
		}
		return c.targetDoc(ref)
	case item.Kind != kindAlertNotificationTarget:
		c.p.at(d, join(path, "kind"), "expected AlertNotificationTarget for an inline target, got %q", item.Kind)
	case item.Metadata == nil || item.Metadata.Name == "":
		c.p.at(d, join(path, "metadata.name"), "required")
	case item.Spec == nil:
		c.p.at(d, join(path, "spec"), "required")
	default:
		return c.target(d, path, item.Metadata, item.Spec), true
	}
	return nil, false
}

// target renders a notification target as escalation text: "name via
// target: description". The connector only carries the text, as the
// slo.alert.escalation attribute; routing it is the alert router's job.
func (c *converter) target(d *doc, path string, meta *metadata, spec *targetSpec) *target {
	text := meta.Name
	if spec.Target != "" {
		text += " via " + spec.Target
	}
	if spec.Description != "" {
		text += ": " + spec.Description
	}
	return &target{text: text, notes: metadataNotes(d, join(path, "metadata"), meta, c.p)}
}

// tiers turns an SLO's alertPolicies into the connector's alerts value: the
// tiers in order, "none" when there are none, or the annotation's choice.
func (c *converter) tiers(d *doc, spec *sloSpec, period time.Duration, obj *Objective, origins map[string]origin) {
	choice, chosen := d.header.Metadata.Annotations[annotationAlerts]
	if chosen {
		switch {
		case len(spec.AlertPolicies) > 0:
			c.p.at(d, "metadata.annotations", "%s: applies only to an SLO without alertPolicies", annotationAlerts)
		case choice != sloconfig.AlertsWorkbook && choice != sloconfig.AlertsNone:
			c.p.at(d, "metadata.annotations", "%s: expected %s or %s, got %q", annotationAlerts, sloconfig.AlertsWorkbook, sloconfig.AlertsNone, choice)
		}
	}
	if len(spec.AlertPolicies) == 0 {
		// No policy means no alerting in OpenSLO; the connector's default,
		// the workbook table, must be asked for.
		obj.Config.Alerts = sloconfig.AlertsNone
		if chosen {
			obj.Config.Alerts = choice
		}
		return
	}
	list := []any{}
	for i := range spec.AlertPolicies {
		item := &spec.AlertPolicies[i]
		path := "spec.alertPolicies[" + strconv.Itoa(i) + "]"
		pol, ok := c.policyItem(d, path, item)
		if !ok {
			continue
		}
		obj.Notes = append(obj.Notes, pol.notes...)
		for _, cond := range pol.conditions {
			obj.Notes = append(obj.Notes, cond.notes...)
			if period > 0 && cond.long > period {
				if cond.d == d { // inline: point at the field itself
					c.p.at(d, join(cond.path, "spec.condition.lookbackWindow"), "%s is longer than the SLO's period %s",
						duration.Format(cond.long), duration.Format(period))
				} else {
					c.p.at(d, path, "%s: lookbackWindow %s is longer than the SLO's period %s",
						cond.d.label(), duration.Format(cond.long), duration.Format(period))
				}
				continue
			}
			tier := map[string]any{
				"name":         cond.name,
				"severity":     cond.severity,
				"long_window":  duration.Format(cond.long),
				"short_window": duration.Format(cond.short),
				"burn_rate":    cond.burnRate,
			}
			if pol.escalation != "" {
				tier["escalation"] = pol.escalation
			}
			if cond.minEvents > 0 {
				tier["min_events"] = cond.minEvents
			}
			origins["alerts["+strconv.Itoa(len(list))+"]"] = origin{cond.d, join(cond.path, "spec.condition")}
			list = append(list, tier)
		}
	}
	obj.Config.Alerts = list
}

func (c *converter) policyItem(d *doc, path string, item *alertPolicyItem) (*policy, bool) {
	inline := item.Kind != "" || item.Metadata != nil || item.Spec != nil
	switch {
	case item.AlertPolicyRef == nil && !inline:
		c.p.at(d, path, "one of alertPolicyRef or an inline AlertPolicy (kind, metadata, spec) is required")
	case item.AlertPolicyRef != nil && inline:
		c.p.at(d, path, "alertPolicyRef and an inline AlertPolicy: set only one")
	case item.AlertPolicyRef != nil:
		ref := c.in.lookup(kindAlertPolicy, *item.AlertPolicyRef)
		if ref == nil {
			c.p.at(d, join(path, "alertPolicyRef"), "no AlertPolicy named %q in the input; pass the file that defines it", *item.AlertPolicyRef)
			return nil, false
		}
		return c.policyDoc(ref)
	case item.Kind != kindAlertPolicy:
		c.p.at(d, join(path, "kind"), "expected AlertPolicy for an inline policy, got %q", item.Kind)
	case item.Metadata == nil || item.Metadata.Name == "":
		c.p.at(d, join(path, "metadata.name"), "required")
	case item.Spec == nil:
		c.p.at(d, join(path, "spec"), "required")
	default:
		return c.policy(d, path, item.Metadata, item.Spec)
	}
	return nil, false
}
