package openslo

import (
	"errors"
	"strings"

	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

// check runs the connector's own validation on the converted objectives, so
// that what the converter prints is guaranteed to load: OTTL conditions parse,
// span kinds and group_by are valid, the tiers fit the period. The converter
// does not repeat those rules; it maps each problem back to the OpenSLO field
// it came from.
func (c *converter) check(objectives []Objective, origins []map[string]origin) {
	for i := range objectives {
		// One objective at a time, so that every problem belongs to a known
		// SLO without parsing the objective's label out of the message.
		cfg := checkConfig(objectives[i : i+1])
		err := cfg.Check()
		if err == nil {
			continue
		}
		sloDoc := origins[i]["name"].d
		for _, e := range leaves(err) {
			field, reason, _ := strings.Cut(e.Error(), ": ")
			if o, ok := origins[i][field]; ok {
				c.p.at(o.d, o.path, "%s (objective field %s)", reason, field)
			} else {
				c.p.at(sloDoc, "", "the converted objective does not load: %s", e)
			}
		}
	}
	if c.p.count() > 0 {
		return
	}
	// Then all together, for what only the whole set can break.
	cfg := checkConfig(objectives)
	if err := cfg.Check(); err != nil {
		c.p.add(&Error{File: "", Reason: "the converted objectives do not load together: " + err.Error()})
	}
}

// checkConfig is the connector configuration the converted objectives must
// load into: the connector's defaults, which the printed objectives leave
// alone, with the series cap of the configuration reference.
func checkConfig(objectives []Objective) sloconfig.Config {
	cfg := sloconfig.Default()
	cfg.MaxSeries = sloconfig.DefaultMaxSeries
	cfg.Objectives = Configs(objectives)
	return cfg
}

// leaves returns the problems of a Check error without their objective
// label: Check joins one error per problem, each wrapping the field message.
func leaves(err error) []error {
	var list []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list = joined.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, 0, len(list))
	for _, e := range list {
		if inner := errors.Unwrap(e); inner != nil {
			e = inner
		}
		out = append(out, e)
	}
	return out
}
