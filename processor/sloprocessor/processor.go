package sloprocessor // import "github.com/otelcol-slo/otelcol-slo/processor/sloprocessor"

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/slotelemetry"
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
	config    *Config
	engine    *engine.Engine
	telemetry *slotelemetry.Telemetry
	now       func() time.Time

	lifecycle sync.Mutex
	started   bool
	stop      chan struct{}
	done      chan struct{}
}

func newSLOProcessor(set processor.Settings, cfg *Config) (*sloProcessor, error) {
	objectives, settings, err := cfg.Compile(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e, err := engine.New(objectives, settings)
	if err != nil {
		return nil, fmt.Errorf("creating the SLO engine: %w", err)
	}
	telemetry, err := slotelemetry.New(set.TelemetrySettings, e)
	if err != nil {
		return nil, err
	}
	return &sloProcessor{config: cfg, engine: e, telemetry: telemetry, now: time.Now}, nil
}

func (p *sloProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	if !p.config.Annotate {
		p.engine.ConsumeTraces(ctx, td, p.now(), nil)
		return td, nil
	}
	var a annotator
	p.engine.ConsumeTraces(ctx, td, p.now(), a.visit)
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

func (p *sloProcessor) start(context.Context, component.Host) error {
	p.lifecycle.Lock()
	defer p.lifecycle.Unlock()
	if p.started {
		return nil
	}
	p.started = true
	p.stop = make(chan struct{})
	p.done = make(chan struct{})
	go p.evaluationLoop(p.config.EvaluationInterval.Std())
	return nil
}

func (p *sloProcessor) evaluationLoop(interval time.Duration) {
	defer close(p.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			p.evaluate(context.Background())
		case <-p.stop:
			return
		}
	}
}

func (p *sloProcessor) evaluate(ctx context.Context) {
	begin := time.Now()
	p.engine.Snapshot(p.now())
	p.telemetry.RecordFlush(ctx, time.Since(begin))
}

func (p *sloProcessor) shutdown(context.Context) error {
	p.lifecycle.Lock()
	defer p.lifecycle.Unlock()
	if p.started {
		close(p.stop)
		<-p.done
		p.started = false
	}
	return p.telemetry.Shutdown()
}
