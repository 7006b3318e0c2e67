package openslo

import (
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// Objective is one converted SLO.
type Objective struct {
	// Config is the objective as the slo connector reads it.
	Config sloconfig.Objective
	// From names the SLO document, e.g. `SLO "checkout" (slos/checkout.yaml)`.
	From string
	// Notes are what was read but not carried over, or read approximately.
	Notes []Note
}

// Convert reads OpenSLO v1 documents and returns one objective per SLO, in
// input order. Every SLI, AlertPolicy and AlertCondition document is
// converted too, referenced or not, so that each document given is either
// accepted or reported; Service documents are only checked for shape, since
// an SLO's spec.service already is the service name the connector matches.
//
// The error joins one *Error per problem. Without an error, the objectives
// pass the connector's own validation (sloconfig.Config.Check).
func Convert(sources ...Source) ([]Objective, error) {
	p := &problems{}
	c := &converter{p: p, in: parse(sources, p), memo: map[*doc]any{}}
	var objectives []Objective
	var origins []map[string]origin
	for _, d := range c.in.docs {
		switch d.header.Kind {
		case kindSLO:
			if obj, from, ok := c.slo(d); ok {
				objectives = append(objectives, obj)
				origins = append(origins, from)
			}
		case kindSLI:
			c.sliDoc(d)
		case kindAlertPolicy:
			c.policyDoc(d)
		case kindAlertCondition:
			c.conditionDoc(d)
		case kindAlertNotificationTarget:
			c.targetDoc(d)
		case kindDataSource:
			c.dataSource(d)
		case kindService:
			var spec serviceSpec
			p.fields(d, decodeStrict(&d.header.Spec, "spec", &spec))
		}
	}
	switch {
	case p.count() > 0:
	case len(objectives) == 0:
		p.add(&Error{Reason: "no SLO document in the input: nothing to convert"})
	default:
		c.check(objectives, origins)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return objectives, nil
}

// Configs returns the connector objectives of objs.
func Configs(objs []Objective) []sloconfig.Objective {
	out := make([]sloconfig.Objective, len(objs))
	for i := range objs {
		out[i] = objs[i].Config
	}
	return out
}

// converter converts the documents of one input set. Documents are converted
// once, when first met either in input order or through a reference, so that
// a shared SLI or AlertPolicy reports its problems once.
type converter struct {
	p    *problems
	in   *inputs
	memo map[*doc]any
}

type memoized[T any] struct {
	value T
	ok    bool
}

func once[T any](c *converter, d *doc, convert func() (T, bool)) (T, bool) {
	if m, done := c.memo[d].(memoized[T]); done {
		return m.value, m.ok
	}
	value, ok := convert()
	c.memo[d] = memoized[T]{value, ok}
	return value, ok
}

// decodeSpec decodes the spec of d strictly into out.
func (c *converter) decodeSpec(d *doc, out any) bool {
	fields := decodeStrict(&d.header.Spec, "spec", out)
	c.p.fields(d, fields)
	return len(fields) == 0
}

func (c *converter) sliDoc(d *doc) (*indicator, bool) {
	return once(c, d, func() (*indicator, bool) {
		var spec sliSpec
		if !c.decodeSpec(d, &spec) {
			return nil, false
		}
		notes := metadataNotes(d, "metadata", &d.header.Metadata, c.p)
		ind, ok := c.indicator(d, "spec", &spec)
		ind.notes = append(notes, ind.notes...)
		return ind, ok
	})
}

func (c *converter) conditionDoc(d *doc) (*condition, bool) {
	return once(c, d, func() (*condition, bool) {
		var spec alertConditionSpec
		if !c.decodeSpec(d, &spec) {
			return nil, false
		}
		return c.condition(d, "", &d.header.Metadata, &spec)
	})
}

func (c *converter) policyDoc(d *doc) (*policy, bool) {
	return once(c, d, func() (*policy, bool) {
		var spec alertPolicySpec
		if !c.decodeSpec(d, &spec) {
			return nil, false
		}
		return c.policy(d, "", &d.header.Metadata, &spec)
	})
}

func (c *converter) targetDoc(d *doc) (*target, bool) {
	return once(c, d, func() (*target, bool) {
		var spec targetSpec
		if !c.decodeSpec(d, &spec) {
			return nil, false
		}
		return c.target(d, "", &d.header.Metadata, &spec), true
	})
}

// dataSource decodes a DataSource. Only its type matters, and only when an
// SLI refers to it; a span DataSource has nothing to connect to.
func (c *converter) dataSource(d *doc) (*dataSourceSpec, bool) {
	return once(c, d, func() (*dataSourceSpec, bool) {
		var spec dataSourceSpec
		if !c.decodeSpec(d, &spec) {
			return nil, false
		}
		if isSpanType(spec.Type) && !isNull(&spec.ConnectionDetails) {
			c.p.at(d, "spec.connectionDetails", "has no meaning for spans: the connector reads the traces pipeline it is in; remove it")
			return nil, false
		}
		return &spec, true
	})
}
