package sloruntime

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
)

// stateKey is the storage key of the engine's checkpoint; the storage client
// is already scoped to the component instance.
const stateKey = "slo-state"

// Checkpointer saves and restores an engine's state in a storage extension.
type Checkpointer struct {
	engine *engine.Engine
	client storage.Client
	logger *zap.Logger
}

// OpenCheckpointer finds the storage extension and opens this component's
// client in it.
func OpenCheckpointer(ctx context.Context, host component.Host, storageID component.ID, kind component.Kind, id component.ID, e *engine.Engine, logger *zap.Logger) (*Checkpointer, error) {
	ext, ok := host.GetExtensions()[storageID]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not configured in the service", storageID)
	}
	storageExt, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", storageID)
	}
	client, err := storageExt.GetClient(ctx, kind, id, "")
	if err != nil {
		return nil, fmt.Errorf("storage: opening a client of %q: %w", storageID, err)
	}
	return &Checkpointer{engine: e, client: client, logger: logger}, nil
}

// Restore loads the checkpoint into the engine. A checkpoint that cannot be
// read, or parts of it that no longer match the configuration, are dropped
// with one warning; only failing to read the storage at all is an error, so
// that a collector promised persistence does not silently start empty.
func (c *Checkpointer) Restore(ctx context.Context, now time.Time) error {
	data, err := c.client.Get(ctx, stateKey)
	if err != nil {
		return fmt.Errorf("reading the SLO checkpoint: %w", err)
	}
	if data == nil {
		c.logger.Info("no SLO checkpoint in storage; windows start empty")
		return nil
	}
	report, err := c.engine.Restore(data, now)
	if err != nil {
		c.logger.Warn("SLO checkpoint dropped; windows start empty", zap.Error(err), zap.Int("bytes", len(data)))
		return nil
	}
	fields := []zap.Field{
		zap.Int("series", report.Series),
		zap.Time("saved_at", report.SavedAt),
		zap.Duration("age", now.Sub(report.SavedAt)),
	}
	if len(report.Dropped) > 0 {
		c.logger.Warn("SLO state restored in part; what no longer matches the configuration was dropped",
			append(fields, zap.Strings("dropped", report.Dropped))...)
		return nil
	}
	c.logger.Info("SLO state restored", fields...)
	return nil
}

// Save writes the engine's state at now.
func (c *Checkpointer) Save(ctx context.Context, now time.Time) error {
	return c.client.Set(ctx, stateKey, c.engine.Checkpoint(now))
}

// Close releases the storage client.
func (c *Checkpointer) Close(ctx context.Context) error {
	return c.client.Close(ctx)
}
