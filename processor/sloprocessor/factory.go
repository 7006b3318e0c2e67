package sloprocessor // import "github.com/otelcol-slo/otelcol-slo/processor/sloprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
	"github.com/otelcol-slo/otelcol-slo/processor/sloprocessor/internal/metadata"
)

const defaultEvaluationInterval = 15 * time.Second

// NewFactory returns the factory of the slo processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		EvaluationInterval: duration.Duration(defaultEvaluationInterval),
		Config:             sloconfig.Default(),
	}
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := newSLOProcessor(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return createTracesWith(ctx, set, cfg.(*Config), next, p)
}

func createTracesWith(ctx context.Context, set processor.Settings, pCfg *Config, next consumer.Traces, p *sloProcessor) (processor.Traces, error) {
	return processorhelper.NewTraces(ctx, set, pCfg, next, p.processTraces,
		// Annotating writes span attributes; without it spans pass untouched.
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: pCfg.Annotate}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}
