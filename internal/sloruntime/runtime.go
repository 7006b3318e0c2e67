// Package sloruntime is what both component faces share around the engine:
// compiling the configuration, the component's own telemetry, the periodic
// loop and the checkpoints in a storage extension.
package sloruntime // import "github.com/otelcol-slo/otelcol-slo/internal/sloruntime"

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/otelcol-slo/otelcol-slo/internal/engine"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
	"github.com/otelcol-slo/otelcol-slo/internal/slotelemetry"
)

// Runtime runs one engine for one component instance.
type Runtime struct {
	Engine *engine.Engine
	// Now is the collector's clock; tests replace it.
	Now func() time.Time

	config    *sloconfig.Config
	id        component.ID
	kind      component.Kind
	logger    *zap.Logger
	telemetry *slotelemetry.Telemetry

	// lifecycle guards the fields below, so that Shutdown works without
	// Start, and twice.
	lifecycle    sync.Mutex
	started      bool
	checkpointer *Checkpointer
	stop         chan struct{}
	done         chan struct{}
}

// New compiles the configuration and creates the engine and its telemetry.
func New(set component.TelemetrySettings, kind component.Kind, id component.ID, cfg *sloconfig.Config) (*Runtime, error) {
	objectives, settings, err := cfg.Compile(set)
	if err != nil {
		return nil, err
	}
	e, err := engine.New(objectives, settings)
	if err != nil {
		return nil, fmt.Errorf("creating the SLO engine: %w", err)
	}
	telemetry, err := slotelemetry.New(set, e)
	if err != nil {
		return nil, err
	}
	return &Runtime{
		Engine:    e,
		Now:       time.Now,
		config:    cfg,
		id:        id,
		kind:      kind,
		logger:    set.Logger,
		telemetry: telemetry,
	}, nil
}

// Start restores the checkpoint, when storage is configured, and then calls
// tick every interval until Shutdown.
func (r *Runtime) Start(ctx context.Context, host component.Host, interval time.Duration, tick func(context.Context, time.Time)) error {
	r.lifecycle.Lock()
	defer r.lifecycle.Unlock()
	if r.started {
		return nil
	}
	if r.config.Storage != nil {
		checkpointer, err := OpenCheckpointer(ctx, host, *r.config.Storage, r.kind, r.id, r.Engine, r.logger)
		if err != nil {
			return err
		}
		if err := checkpointer.Restore(ctx, r.Now()); err != nil {
			_ = checkpointer.Close(ctx)
			return err
		}
		r.checkpointer = checkpointer
	}
	r.started = true
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	go r.loop(interval, r.config.CheckpointInterval.Std(), tick)
	return nil
}

func (r *Runtime) loop(interval, checkpointInterval time.Duration, tick func(context.Context, time.Time)) {
	defer close(r.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var checkpoints <-chan time.Time
	if r.checkpointer != nil {
		checkpointTicker := time.NewTicker(checkpointInterval)
		defer checkpointTicker.Stop()
		checkpoints = checkpointTicker.C
	}
	ctx := context.Background()
	for {
		select {
		case <-ticker.C:
			r.timed(ctx, tick)
		case <-checkpoints:
			r.checkpoint(ctx)
		case <-r.stop:
			return
		}
	}
}

// timed runs tick at the collector's clock and records how long it took.
func (r *Runtime) timed(ctx context.Context, tick func(context.Context, time.Time)) {
	begin := time.Now()
	tick(ctx, r.Now())
	r.telemetry.RecordFlush(ctx, time.Since(begin))
}

func (r *Runtime) checkpoint(ctx context.Context) {
	if err := r.checkpointer.Save(ctx, r.Now()); err != nil {
		r.logger.Warn("checkpointing the SLO state failed; the previous checkpoint stays", zap.Error(err))
	}
}

// Shutdown stops the loop, calls final (the connector's last flush) when it
// is not nil, writes a last checkpoint and closes the storage client.
func (r *Runtime) Shutdown(ctx context.Context, final func(context.Context, time.Time)) error {
	r.lifecycle.Lock()
	defer r.lifecycle.Unlock()
	var err error
	if r.started {
		close(r.stop)
		<-r.done
		r.started = false
		if final != nil {
			r.timed(ctx, final)
		}
		if r.checkpointer != nil {
			if saveErr := r.checkpointer.Save(ctx, r.Now()); saveErr != nil {
				err = fmt.Errorf("writing the last SLO checkpoint: %w", saveErr)
			}
			if closeErr := r.checkpointer.Close(ctx); closeErr != nil && err == nil {
				err = fmt.Errorf("closing the SLO storage client: %w", closeErr)
			}
			r.checkpointer = nil
		}
	}
	if telemetryErr := r.telemetry.Shutdown(); telemetryErr != nil && err == nil {
		err = telemetryErr
	}
	return err
}
