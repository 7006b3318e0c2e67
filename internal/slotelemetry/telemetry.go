// Package slotelemetry reports the engine's own counters as collector
// internal telemetry, the same names for both component faces.
package slotelemetry // import "github.com/otelcol-slo/otelcol-slo/internal/slotelemetry"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
)

// Names of the component's own metrics, as the collector's own Prometheus
// endpoint shows them.
const (
	SpansEvaluated  = "otelcol_slo_spans_evaluated"
	SpansEligible   = "otelcol_slo_spans_eligible"
	SpansCounted    = "otelcol_slo_spans_counted"
	SpansRejected   = "otelcol_slo_spans_rejected"
	EventsOverflow  = "otelcol_slo_events_overflowed"
	SeriesActive    = "otelcol_slo_series_active"
	FlushDuration   = "otelcol_slo_flush_duration"
	AttrObjective   = "slo.name"
	AttrReason      = "reason"
	instrumentScope = "github.com/otelcol-slo/otelcol-slo"
)

// Telemetry holds the instruments of one component instance.
type Telemetry struct {
	flushDuration metric.Float64Histogram
	registration  metric.Registration
}

// New registers the instruments; the engine's counters are read when the
// collector collects its telemetry, never on the hot path.
func New(settings component.TelemetrySettings, e *engine.Engine) (*Telemetry, error) {
	meter := settings.MeterProvider.Meter(instrumentScope)
	var errs []error
	observable := func(name, unit, description string) metric.Int64ObservableCounter {
		c, err := meter.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(description))
		errs = append(errs, err)
		return c
	}
	evaluated := observable(SpansEvaluated, "{span}", "Spans offered to the slo component.")
	eligible := observable(SpansEligible, "{span}", "Spans eligible for an objective, by objective.")
	counted := observable(SpansCounted, "{span}", "Eligible spans counted into the windows, by objective.")
	rejected := observable(SpansRejected, "{span}", "Eligible spans not counted, by objective and reason.")
	overflowed := observable(EventsOverflow, "{event}", "Events counted into the overflow series because max_series was reached, by objective.")
	active, err := meter.Int64ObservableGauge(SeriesActive, metric.WithUnit("{series}"),
		metric.WithDescription("Series kept, by objective, the overflow series not counted."))
	errs = append(errs, err)
	flush, err := meter.Float64Histogram(FlushDuration, metric.WithUnit("s"),
		metric.WithDescription("Time taken to build the SLO state and metrics of one flush."),
		metric.WithExplicitBucketBoundaries(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("creating the slo telemetry instruments: %w", err)
	}

	reasons := engine.Reasons()
	registration, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		stats := e.Stats()
		o.ObserveInt64(evaluated, stats.SpansEvaluated)
		for _, os := range stats.Objectives {
			objective := metric.WithAttributes(attribute.String(AttrObjective, os.Objective))
			o.ObserveInt64(eligible, os.Eligible, objective)
			o.ObserveInt64(counted, os.Counted, objective)
			o.ObserveInt64(overflowed, os.Overflowed, objective)
			o.ObserveInt64(active, os.ActiveSeries, objective)
			for _, reason := range reasons {
				o.ObserveInt64(rejected, os.Rejected[reason], metric.WithAttributes(
					attribute.String(AttrObjective, os.Objective),
					attribute.String(AttrReason, reason.String())))
			}
		}
		return nil
	}, evaluated, eligible, counted, rejected, overflowed, active)
	if err != nil {
		return nil, fmt.Errorf("registering the slo telemetry callback: %w", err)
	}
	return &Telemetry{flushDuration: flush, registration: registration}, nil
}

// RecordFlush records how long one flush took.
func (t *Telemetry) RecordFlush(ctx context.Context, d time.Duration) {
	t.flushDuration.Record(ctx, d.Seconds())
}

// Shutdown stops reporting; it is safe to call more than once.
func (t *Telemetry) Shutdown() error {
	if t.registration == nil {
		return nil
	}
	err := t.registration.Unregister()
	t.registration = nil
	return err
}
