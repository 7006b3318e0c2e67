package sloruntime

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/internal/duration"
	"github.com/otelcol-slo/otelcol-slo/internal/sloconfig"
)

var (
	componentID = component.MustNewID("slo")
	storageID   = component.MustNewID("file_storage")
)

func testConfig(storageExt *component.ID) *sloconfig.Config {
	cfg := sloconfig.Default()
	cfg.Storage = storageExt
	cfg.CheckpointInterval = duration.Duration(20 * time.Millisecond)
	cfg.Objectives = []sloconfig.Objective{{
		Name:      "avail",
		Indicator: sloconfig.Indicator{Availability: &sloconfig.AvailabilityIndicator{}},
		Target:    99,
		Period:    duration.Duration(24 * time.Hour),
	}}
	return &cfg
}

func newRuntime(t *testing.T, cfg *sloconfig.Config) *Runtime {
	t.Helper()
	r, err := New(componenttest.NewNopTelemetrySettings(), component.KindConnector, componentID, cfg)
	require.NoError(t, err)
	return r
}

type storageHost struct {
	component.Host
	ext component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{storageID: h.ext}
}

func startStorage(t *testing.T) (storageHost, storage.Extension) {
	t.Helper()
	factory := filestorage.NewFactory()
	cfg := factory.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = t.TempDir()
	ext, err := factory.Create(context.Background(), extensiontest.NewNopSettings(factory.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return storageHost{Host: componenttest.NewNopHost(), ext: ext}, ext.(storage.Extension)
}

func oneSpan(now time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Millisecond)))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
	return td
}

func TestTicksUntilShutdown(t *testing.T) {
	r := newRuntime(t, testConfig(nil))
	var ticks atomic.Int64
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost(), 5*time.Millisecond,
		func(context.Context, time.Time) { ticks.Add(1) }))
	// A second Start is a no-op, not a second loop.
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost(), time.Hour, nil))
	require.Eventually(t, func() bool { return ticks.Load() >= 3 }, 10*time.Second, time.Millisecond)

	var finals int
	require.NoError(t, r.Shutdown(context.Background(), func(context.Context, time.Time) { finals++ }))
	stopped := ticks.Load()
	require.NoError(t, r.Shutdown(context.Background(), func(context.Context, time.Time) { finals++ }))
	assert.Equal(t, 1, finals, "the final tick runs once")
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, stopped, ticks.Load(), "no tick after Shutdown")
}

func TestShutdownWithoutStart(t *testing.T) {
	r := newRuntime(t, testConfig(&storageID))
	require.NoError(t, r.Shutdown(context.Background(), nil))
	require.NoError(t, r.Shutdown(context.Background(), nil))
}

// countingStorage passes everything to the real extension and counts the
// checkpoints written through it.
type countingStorage struct {
	storage.Extension
	sets *atomic.Int64
}

func (c countingStorage) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	client, err := c.Extension.GetClient(ctx, kind, id, name)
	return countingClient{Client: client, sets: c.sets}, err
}

type countingClient struct {
	storage.Client
	sets *atomic.Int64
}

func (c countingClient) Set(ctx context.Context, key string, value []byte) error {
	c.sets.Add(1)
	return c.Client.Set(ctx, key, value)
}

func TestCheckpointsPeriodicallyAndOnShutdown(t *testing.T) {
	host, ext := startStorage(t)
	var sets atomic.Int64
	host.ext = countingStorage{Extension: ext, sets: &sets}
	r := newRuntime(t, testConfig(&storageID))
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r.Now = func() time.Time { return now }
	require.NoError(t, r.Start(context.Background(), host, time.Hour, func(context.Context, time.Time) {}))
	r.Engine.ConsumeTraces(context.Background(), oneSpan(now), now, nil)
	// Checkpoints every 20ms without any shutdown, and one more on shutdown.
	require.Eventually(t, func() bool { return sets.Load() >= 3 }, 10*time.Second, time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background(), nil))
	periodic := sets.Load()
	require.NoError(t, r.Shutdown(context.Background(), nil))
	assert.Equal(t, periodic, sets.Load(), "a second Shutdown writes nothing")

	// A new runtime on the same storage starts with the series.
	again := newRuntime(t, testConfig(&storageID))
	again.Now = r.Now
	require.NoError(t, again.Start(context.Background(), host, time.Hour, func(context.Context, time.Time) {}))
	assert.Equal(t, int64(1), again.Engine.Stats().ActiveSeries)
	require.NoError(t, again.Shutdown(context.Background(), nil))
}

func TestStorageThatIsNotStorage(t *testing.T) {
	r := newRuntime(t, testConfig(&storageID))
	nop, err := extensiontest.NewNopFactory().Create(context.Background(), extensiontest.NewNopSettings(extensiontest.NopType), extensiontest.NewNopFactory().CreateDefaultConfig())
	require.NoError(t, err)
	host := storageHost{Host: componenttest.NewNopHost(), ext: nop}
	err = r.Start(context.Background(), host, time.Hour, nil)
	require.EqualError(t, err, `storage: extension "file_storage" is not a storage extension`)
}
