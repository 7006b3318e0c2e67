package sloconfig

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/engine"
)

// Check validates the whole configuration and reports every problem found,
// one per line, each naming the objective, the field and the value. The faces
// call it from their Validate: Config itself is no ConfigValidator, so that
// the collector does not report its errors twice.
func (cfg *Config) Check() error {
	_, _, err := cfg.Compile(component.TelemetrySettings{Logger: zap.NewNop()})
	return err
}

// Compile validates the configuration and turns it into engine objectives and
// settings. The telemetry settings serve the OTTL parser.
func (cfg *Config) Compile(telemetry component.TelemetrySettings) ([]*engine.Objective, engine.Settings, error) {
	var errs []error
	if cfg.MaxClockSkew < 0 {
		errs = append(errs, fmt.Errorf("max_clock_skew: must not be negative, got %s", cfg.MaxClockSkew))
	}
	if cfg.CheckpointInterval <= 0 {
		errs = append(errs, fmt.Errorf("checkpoint_interval: must be positive, got %s", cfg.CheckpointInterval))
	}
	if cfg.MaxSeries <= 0 {
		errs = append(errs, fmt.Errorf("max_series: must be positive, got %d", cfg.MaxSeries))
	}
	if len(cfg.Objectives) == 0 {
		errs = append(errs, errors.New("objectives: at least one objective is required"))
	}
	parser, err := ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), telemetry)
	if err != nil {
		return nil, engine.Settings{}, fmt.Errorf("creating the OTTL parser: %w", err)
	}
	c := compiler{parser: parser, telemetry: telemetry, compiled: map[string]engine.Condition{}}
	seen := map[string]int{}
	objectives := make([]*engine.Objective, 0, len(cfg.Objectives))
	for i := range cfg.Objectives {
		o := &cfg.Objectives[i]
		if first, dup := seen[o.Name]; dup && o.Name != "" {
			errs = append(errs, fmt.Errorf("objective %q: name: duplicate of objective #%d", o.Name, first+1))
		}
		seen[o.Name] = i
		compiled, objErrs := c.objective(o)
		for _, e := range objErrs {
			errs = append(errs, fmt.Errorf("%s: %w", label(i, o), e))
		}
		objectives = append(objectives, compiled)
	}
	if len(errs) > 0 {
		return nil, engine.Settings{}, errors.Join(errs...)
	}
	settings := engine.Settings{
		MaxClockSkew: cfg.MaxClockSkew.Std(),
		MaxSeries:    cfg.MaxSeries,
		Logger:       telemetry.Logger,
	}
	return objectives, settings, nil
}

func label(i int, o *Objective) string {
	if o.Name == "" {
		return fmt.Sprintf("objective #%d", i+1)
	}
	return fmt.Sprintf("objective %q", o.Name)
}

type compiler struct {
	parser    ottl.Parser[*ottlspan.TransformContext]
	telemetry component.TelemetrySettings
	// compiled holds every condition list compiled so far, by its logic and
	// expressions: identical lists become one Condition, which the engine
	// evaluates once per span for all the objectives that use it.
	compiled map[string]engine.Condition
}

// objective compiles one objective, collecting every error; field names in
// the errors are the YAML keys.
func (c compiler) objective(o *Objective) (*engine.Objective, []error) {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	out := &engine.Objective{
		Name:        o.Name,
		Description: o.Description,
		Service:     o.Service,
		Target:      engine.RoundTarget(o.Target),
		Period:      o.Period.Std(),
		GroupBy:     o.GroupBy,
	}
	if o.Name == "" {
		fail("name: must not be empty")
	}
	if math.IsNaN(o.Target) || o.Target <= 0 || o.Target >= 100 {
		fail("target: must be a percentage greater than 0 and less than 100, got %v", o.Target)
	}
	switch {
	case o.Period == 0:
		fail("period: is required, e.g. 30d")
	case o.Period.Std() < MinPeriod:
		fail("period: must be at least %s, got %s", duration.Format(MinPeriod), o.Period)
	}

	kind, anyKind, err := parseSpanKind(o.Spans.Kind)
	if err != nil {
		fail("spans.kind: %w", err)
	}
	out.SpanKind, out.MatchAnyKind = kind, anyKind
	if len(o.Spans.Conditions) > 0 {
		cond, err := c.conditions(o.Spans.Conditions, ottl.And)
		if err != nil {
			fail("spans.conditions: %w", err)
		}
		out.Eligible = cond
	}

	indicator, indicatorErrs := c.indicator(o.Indicator)
	errs = append(errs, indicatorErrs...)
	out.Indicator = indicator
	out.Definition = definition(o)

	if err := validateGroupBy(o.GroupBy); err != nil {
		fail("group_by: %w", err)
	}
	for _, key := range slices.Sorted(maps.Keys(o.Attributes)) {
		switch {
		case key == "":
			fail("attributes: a key is empty")
		case strings.HasPrefix(key, "slo.") || key == "otel.metric.overflow" || key == "service.name":
			fail("attributes: key %q is reserved for the metric contract", key)
		case slices.Contains(o.GroupBy, key):
			fail("attributes: key %q is also in group_by", key)
		}
		out.Attributes = append(out.Attributes, engine.Attribute{Key: key, Value: o.Attributes[key]})
	}

	if o.Period.Std() >= MinPeriod {
		alerts, alertErrs := c.alerts(o.Alerts, o.Period.Std())
		errs = append(errs, alertErrs...)
		out.Alerts = alerts
		windows, err := windowsFor(o.Windows, o.Period.Std(), alerts)
		if err != nil {
			fail("windows: %w", err)
		}
		out.Windows = windows
	}
	return out, errs
}

func parseSpanKind(kind string) (ptrace.SpanKind, bool, error) {
	switch strings.ToLower(kind) {
	case "":
		return ptrace.SpanKindUnspecified, true, nil
	case "server":
		return ptrace.SpanKindServer, false, nil
	case "client":
		return ptrace.SpanKindClient, false, nil
	case "internal":
		return ptrace.SpanKindInternal, false, nil
	case "producer":
		return ptrace.SpanKindProducer, false, nil
	case "consumer":
		return ptrace.SpanKindConsumer, false, nil
	default:
		return 0, false, fmt.Errorf("unknown span kind %q, expected one of server, client, internal, producer, consumer", kind)
	}
}

func (c compiler) conditions(exprs []string, op ottl.LogicOperation) (engine.Condition, error) {
	key := fmt.Sprintf("%v%q", op, exprs)
	if cond, ok := c.compiled[key]; ok {
		return cond, nil
	}
	parsed := make([]*ottl.Condition[*ottlspan.TransformContext], 0, len(exprs))
	for _, expr := range exprs {
		cond, err := c.parser.ParseCondition(expr)
		if err != nil {
			return nil, fmt.Errorf("OTTL condition %q does not parse: %w", expr, err)
		}
		parsed = append(parsed, cond)
	}
	seq := ottl.NewConditionSequence(parsed, c.telemetry,
		ottl.WithLogicOperation[*ottlspan.TransformContext](op),
		ottl.WithConditionSequenceErrorMode[*ottlspan.TransformContext](ottl.PropagateError))
	c.compiled[key] = &seq
	return &seq, nil
}

func (c compiler) indicator(ind Indicator) (engine.Indicator, []error) {
	var set []string
	if ind.Availability != nil {
		set = append(set, "availability")
	}
	if ind.Latency != nil {
		set = append(set, "latency")
	}
	if len(ind.Good) > 0 {
		set = append(set, "good")
	}
	if len(ind.Bad) > 0 {
		set = append(set, "bad")
	}
	switch len(set) {
	case 0:
		return engine.Indicator{}, []error{errors.New("indicator: exactly one of availability, latency, good or bad is required, got none")}
	case 1:
	default:
		return engine.Indicator{}, []error{fmt.Errorf("indicator: exactly one of availability, latency, good or bad is required, got %s", strings.Join(set, " and "))}
	}
	switch set[0] {
	case "availability":
		return engine.Indicator{Kind: engine.Availability}, nil
	case "latency":
		if ind.Latency.Threshold <= 0 {
			return engine.Indicator{}, []error{fmt.Errorf("indicator.latency.threshold: must be positive, got %s", ind.Latency.Threshold)}
		}
		return engine.Indicator{Kind: engine.Latency, Threshold: ind.Latency.Threshold.Std()}, nil
	case "good":
		cond, err := c.conditions(ind.Good, ottl.Or)
		if err != nil {
			return engine.Indicator{}, []error{fmt.Errorf("indicator.good: %w", err)}
		}
		return engine.Indicator{Kind: engine.GoodWhen, Condition: cond}, nil
	default:
		cond, err := c.conditions(ind.Bad, ottl.Or)
		if err != nil {
			return engine.Indicator{}, []error{fmt.Errorf("indicator.bad: %w", err)}
		}
		return engine.Indicator{Kind: engine.BadWhen, Condition: cond}, nil
	}
}

func validateGroupBy(keys []string) error {
	if len(keys) > engine.MaxGroupBy {
		return fmt.Errorf("at most %d attributes, got %d", engine.MaxGroupBy, len(keys))
	}
	for i, key := range keys {
		if key == "" {
			return fmt.Errorf("attribute #%d is empty", i+1)
		}
		if slices.Index(keys, key) != i {
			return fmt.Errorf("attribute %q is listed twice", key)
		}
	}
	return nil
}

// windowsFor returns the windows to keep: the configured (or default) ones,
// every window an alert tier uses, and the period, shortest first.
func windowsFor(configured []duration.Duration, period time.Duration, alerts []engine.AlertTier) ([]time.Duration, error) {
	var windows []time.Duration
	if configured == nil {
		for _, w := range engine.DefaultWindows() {
			if w < period {
				windows = append(windows, w)
			}
		}
	}
	for _, w := range configured {
		switch {
		case w.Std() < MinWindow:
			return nil, fmt.Errorf("window %s is shorter than %s", w, duration.Format(MinWindow))
		case w.Std() > period:
			return nil, fmt.Errorf("window %s is longer than the period %s", w, duration.Format(period))
		}
		windows = append(windows, w.Std())
	}
	for _, tier := range alerts {
		windows = append(windows, tier.LongWindow, tier.ShortWindow)
	}
	windows = append(windows, period)
	slices.Sort(windows)
	return slices.Compact(windows), nil
}

// alerts resolves the alerts field: "workbook" (also when absent), "none",
// or a list of tiers.
func (c compiler) alerts(raw any, period time.Duration) ([]engine.AlertTier, []error) {
	switch v := raw.(type) {
	case nil:
		return engine.WorkbookAlerts(period), nil
	case string:
		switch v {
		case AlertsWorkbook:
			return engine.WorkbookAlerts(period), nil
		case AlertsNone:
			return nil, nil
		}
		return nil, []error{fmt.Errorf("alerts: unknown value %q, expected %q, %q or a list of tiers", v, AlertsWorkbook, AlertsNone)}
	case []any:
		tiers := make([]engine.AlertTier, 0, len(v))
		var errs []error
		for i, item := range v {
			tier, tierErrs := alertTier(item, period)
			for _, err := range tierErrs {
				if tier.Name != "" {
					err = fmt.Errorf("tier %q: %w", tier.Name, err)
				}
				errs = append(errs, fmt.Errorf("alerts[%d]: %w", i, err))
			}
			if len(tierErrs) == 0 {
				tiers = append(tiers, tier)
			}
		}
		return tiers, errs
	default:
		return nil, []error{fmt.Errorf("alerts: expected %q, %q or a list of tiers, got %v", AlertsWorkbook, AlertsNone, raw)}
	}
}

// alertTierKeys are the keys a tier may have, read off AlertTier's tags:
// confmap's own message for an unknown key names the Go type, not the YAML.
func alertTierKeys() []string {
	t := reflect.TypeFor[AlertTier]()
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		keys = append(keys, t.Field(i).Tag.Get("mapstructure"))
	}
	return keys
}

// alertTier decodes and checks one tier. The returned tier carries the name
// even when there are errors, so that they can name it.
func alertTier(item any, period time.Duration) (engine.AlertTier, []error) {
	fields, ok := item.(map[string]any)
	if !ok {
		return engine.AlertTier{}, []error{fmt.Errorf("expected a tier with name, severity, long_window, short_window and burn_rate or budget_consumed, got %v", item)}
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	known := alertTierKeys()
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(known, key) {
			fail("unknown key %q, expected one of %s", key, strings.Join(known, ", "))
		}
	}
	if len(errs) > 0 {
		name, _ := fields["name"].(string)
		return engine.AlertTier{Name: name}, errs
	}
	var t AlertTier
	if err := confmap.NewFromStringMap(fields).Unmarshal(&t); err != nil {
		return engine.AlertTier{}, []error{errors.New(oneLine(err))}
	}
	if t.Name == "" {
		fail("name: must not be empty")
	}
	if t.Severity == "" {
		fail("severity: must not be empty, e.g. sev1")
	}
	if t.ShortWindow.Std() < MinWindow {
		fail("short_window: must be at least %s, got %s", duration.Format(MinWindow), t.ShortWindow)
	}
	if t.LongWindow <= t.ShortWindow {
		fail("long_window: must be longer than short_window %s, got %s", t.ShortWindow, t.LongWindow)
	}
	if t.LongWindow.Std() > period {
		fail("long_window: must not be longer than the period %s, got %s", duration.Format(period), t.LongWindow)
	}
	burnRate := t.BurnRate
	switch {
	case t.BurnRate != 0 && t.BudgetConsumed != 0:
		fail("burn_rate and budget_consumed: set only one")
	case t.BudgetConsumed != 0:
		if t.BudgetConsumed < 0 || t.BudgetConsumed > 100 || math.IsNaN(t.BudgetConsumed) {
			fail("budget_consumed: must be a percentage greater than 0 and at most 100, got %v", t.BudgetConsumed)
		} else if t.LongWindow > 0 {
			burnRate = engine.BurnRateForBudget(t.BudgetConsumed/100, period, t.LongWindow.Std())
		}
	case t.BurnRate < 0 || math.IsNaN(t.BurnRate) || math.IsInf(t.BurnRate, 0):
		fail("burn_rate: must be positive, got %v", t.BurnRate)
	case t.BurnRate == 0:
		fail("burn_rate or budget_consumed: one is required")
	}
	return engine.AlertTier{
		Name:        t.Name,
		Severity:    t.Severity,
		Escalation:  t.Escalation,
		LongWindow:  t.LongWindow.Std(),
		ShortWindow: t.ShortWindow.Std(),
		BurnRate:    burnRate,
		MinEvents:   t.MinEvents,
	}, errs
}

// definition is the canonical text of what decides which spans count and how:
// a checkpoint's counts are restored only into an objective with the same.
func definition(o *Objective) string {
	var b strings.Builder
	fmt.Fprintf(&b, "service=%q kind=%q conditions=%q indicator=", o.Service, strings.ToLower(o.Spans.Kind), o.Spans.Conditions)
	switch ind := o.Indicator; {
	case ind.Availability != nil:
		b.WriteString("availability")
	case ind.Latency != nil:
		fmt.Fprintf(&b, "latency<=%s", ind.Latency.Threshold)
	case len(ind.Good) > 0:
		fmt.Fprintf(&b, "good%q", ind.Good)
	default:
		fmt.Fprintf(&b, "bad%q", ind.Bad)
	}
	return b.String()
}

// oneLine folds mapstructure's multi-line decoding errors into one line, so
// that every problem stays on a line of its own.
func oneLine(err error) string {
	text := strings.TrimPrefix(err.Error(), "decoding failed due to the following error(s):")
	var parts []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}
