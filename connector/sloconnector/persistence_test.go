package sloconnector

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// hostWithExtensions is a host that offers the given extensions, as the
// collector's service does.
type hostWithExtensions struct {
	component.Host
	extensions map[component.ID]component.Component
}

func (h hostWithExtensions) GetExtensions() map[component.ID]component.Component {
	return h.extensions
}

// startFileStorage starts a real file_storage extension in dir.
func startFileStorage(t *testing.T, dir string) component.Host {
	t.Helper()
	factory := filestorage.NewFactory()
	cfg := factory.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := factory.Create(context.Background(), extensiontest.NewNopSettings(factory.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return hostWithExtensions{
		Host:       componenttest.NewNopHost(),
		extensions: map[component.ID]component.Component{component.MustNewID("file_storage"): ext},
	}
}

// eventsByRoute reads slo.events of the last flush: route -> [good, bad],
// and the start timestamps seen.
func eventsByRoute(t *testing.T, md pmetric.Metrics) (map[string][2]int64, map[time.Time]bool) {
	t.Helper()
	out := map[string][2]int64{}
	starts := map[time.Time]bool{}
	m := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0)
	require.Equal(t, "slo.events", m.Name())
	for i := 0; i < m.Sum().DataPoints().Len(); i++ {
		dp := m.Sum().DataPoints().At(i)
		route, _ := dp.Attributes().Get("http.route")
		outcome, _ := dp.Attributes().Get("slo.outcome")
		counts := out[route.Str()]
		if outcome.Str() == "good" {
			counts[0] = dp.IntValue()
		} else {
			counts[1] = dp.IntValue()
		}
		out[route.Str()] = counts
		starts[dp.StartTimestamp().AsTime().UTC()] = true
	}
	return out, starts
}

func TestStateSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	// First life: the fixture spans, then a graceful shutdown.
	host := startFileStorage(t, dir)
	first, sink := newTestConnector(t, "persistent")
	first.runtime.Now = func() time.Time { return goldenNow }
	require.NoError(t, first.Start(ctx, host))
	require.NoError(t, first.ConsumeTraces(ctx, fixtureSpans()))
	require.NoError(t, first.Shutdown(ctx))
	require.Len(t, sink.AllMetrics(), 1)
	before, _ := eventsByRoute(t, sink.AllMetrics()[0])
	// Every checkout span counts (any kind): /api/checkout has the client
	// span too, 301 spans of which 14 bad; /api/cart 100 good.
	assert.Equal(t, map[string][2]int64{"/api/checkout": {287, 14}, "/api/cart": {100, 0}}, before)

	// Second life, ten minutes later, on the same storage: the same spans
	// again double every count, and the start timestamp is the first life's.
	later := goldenNow.Add(10 * time.Minute)
	host = startFileStorage(t, dir)
	second, sink := newTestConnector(t, "persistent")
	second.runtime.Now = func() time.Time { return later }
	require.NoError(t, second.Start(ctx, host))
	require.NoError(t, second.ConsumeTraces(ctx, fixtureSpans()))
	require.NoError(t, second.Shutdown(ctx))
	after, starts := eventsByRoute(t, sink.AllMetrics()[0])
	assert.Equal(t, map[string][2]int64{"/api/checkout": {574, 28}, "/api/cart": {200, 0}}, after)
	assert.Equal(t, map[time.Time]bool{goldenNow: true}, starts, "no counter reset")
}

func TestStorageMustExist(t *testing.T) {
	c, _ := newTestConnector(t, "persistent")
	err := c.Start(context.Background(), componenttest.NewNopHost())
	require.EqualError(t, err, `storage: extension "file_storage" is not configured in the service`)
	require.NoError(t, c.Shutdown(context.Background()))
}
