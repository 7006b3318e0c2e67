package sloprocessor // import "github.com/otelcol-slo/otelcol-slo/processor/sloprocessor"

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/sloruntime"
)

// Span attributes written by annotate.
const (
	AttrName    = "slo.name"
	AttrOutcome = "slo.outcome"
	AttrBurning = "slo.burning"
)

// sloProcessor evaluates spans with the engine, optionally annotating them,
// and evaluates alert tiers every evaluation interval so that slo.burning
// follows the alerts.
type sloProcessor struct {
	config  *Config
	runtime *sloruntime.Runtime
}

func newSLOProcessor(set processor.Settings, cfg *Config) (*sloProcessor, error) {
	runtime, err := sloruntime.New(set.TelemetrySettings, component.KindProcessor, set.ID, &cfg.Config)
	if err != nil {
		return nil, err
	}
	return &sloProcessor{config: cfg, runtime: runtime}, nil
}

func (p *sloProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	if !p.config.Annotate {
		p.runtime.Engine.ConsumeTraces(ctx, td, p.runtime.Now(), nil)
		return td, nil
	}
	var a annotator
	p.runtime.Engine.ConsumeTraces(ctx, td, p.runtime.Now(), a.visit)
	return td, nil
}

// annotator merges the outcomes of every objective that counts a span: the
// engine reports them one after the other for the same span.
type annotator struct {
	current ptrace.Span
	names   []string
}

// visit writes slo.name (the objectives' names, comma-separated in
// configuration order), slo.outcome (bad when any objective found the span
// bad) and slo.burning (true when any of their series is burning).
func (a *annotator) visit(span ptrace.Span, o *engine.Objective, bad, burning bool) {
	attrs := span.Attributes()
	if span != a.current {
		a.current = span
		a.names = append(a.names[:0], o.Name)
		attrs.PutStr(AttrName, o.Name)
		attrs.PutStr(AttrOutcome, outcome(bad))
		attrs.PutBool(AttrBurning, burning)
		return
	}
	a.names = append(a.names, o.Name)
	attrs.PutStr(AttrName, strings.Join(a.names, ","))
	if bad {
		attrs.PutStr(AttrOutcome, outcome(true))
	}
	if burning {
		attrs.PutBool(AttrBurning, true)
	}
}

func outcome(bad bool) string {
	if bad {
		return "bad"
	}
	return "good"
}

func (p *sloProcessor) start(ctx context.Context, host component.Host) error {
	return p.runtime.Start(ctx, host, p.config.EvaluationInterval.Std(), p.evaluateAt)
}

// evaluateAt evaluates the alert tiers, which sets every series' burn state.
func (p *sloProcessor) evaluateAt(_ context.Context, now time.Time) {
	p.runtime.Engine.Snapshot(now)
}

func (p *sloProcessor) evaluate(ctx context.Context) {
	p.evaluateAt(ctx, p.runtime.Now())
}

func (p *sloProcessor) shutdown(ctx context.Context) error {
	return p.runtime.Shutdown(ctx, nil)
}
