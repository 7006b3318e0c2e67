package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func fixedClock() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func newTestGenerator(t *testing.T, cfg Config) *Generator {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedClock
	}
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	return g
}

// spanOutcome is one span reduced to what the SLO pipeline looks at.
type spanOutcome struct {
	service, route string
	bad            bool
}

func outcomes(td ptrace.Traces) []spanOutcome {
	var out []spanOutcome
	for _, rs := range td.ResourceSpans().All() {
		svc, _ := rs.Resource().Attributes().Get("service.name")
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				route, _ := span.Attributes().Get("http.route")
				out = append(out, spanOutcome{
					service: svc.Str(),
					route:   route.Str(),
					bad:     span.Status().Code() == ptrace.StatusCodeError,
				})
			}
		}
	}
	return out
}

// allBatches builds every batch of a bounded run at offset 0.
func allBatches(t *testing.T, g *Generator) []ptrace.Traces {
	t.Helper()
	_, bounded := g.Total()
	require.True(t, bounded)
	var batches []ptrace.Traces
	for i := int64(0); ; i++ {
		td := g.Batch(i, 0)
		if td.SpanCount() == 0 {
			return batches
		}
		batches = append(batches, td)
	}
}

func marshal(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	return b
}

func TestBatchDeterministic(t *testing.T) {
	cfg := Config{
		Spans:      1000,
		Services:   []string{"a", "b"},
		Routes:     []string{"/x", "/users/{id}"},
		ErrorRatio: 0.1,
		Seed:       42,
	}
	first := newTestGenerator(t, cfg)
	second := newTestGenerator(t, cfg)
	// Building the batches in reverse must not matter: workers take them in
	// any order.
	for i := int64(9); i >= 0; i-- {
		assert.Equal(t, marshal(t, first.Batch(i, 0)), marshal(t, second.Batch(i, 0)), "batch %d", i)
	}

	cfg.Seed = 43
	other := newTestGenerator(t, cfg)
	assert.NotEqual(t, marshal(t, first.Batch(0, 0)), marshal(t, other.Batch(0, 0)))
}

func TestBatchSizes(t *testing.T) {
	g := newTestGenerator(t, Config{Spans: 250, BatchSize: 100})
	var sizes []int
	for i := int64(0); i < 5; i++ {
		sizes = append(sizes, g.Batch(i, 0).SpanCount())
	}
	assert.Equal(t, []int{100, 100, 50, 0, 0}, sizes)
	assert.Zero(t, g.Batch(-1, 0).SpanCount())

	total, bounded := g.Total()
	assert.Equal(t, int64(250), total)
	assert.True(t, bounded)
}

func TestErrorRatioExact(t *testing.T) {
	tests := []struct {
		spans int64
		batch int
		ratio float64
	}{
		{10000, 100, 0.01},
		{10000, 100, 0},
		{10000, 100, 1},
		{1000, 7, 0.001},
		{999, 10, 0.5},
		{12345, 64, 0.0375},
		{100, 100, 0.004}, // round(0.4) = 0
		{100, 100, 0.005}, // round(0.5) = 1
	}
	for _, tt := range tests {
		g := newTestGenerator(t, Config{Spans: tt.spans, BatchSize: tt.batch, ErrorRatio: tt.ratio})
		var bad int64
		for _, td := range allBatches(t, g) {
			for _, o := range outcomes(td) {
				if o.bad {
					bad++
				}
			}
		}
		assert.Equal(t, int64(math.Round(float64(tt.spans)*tt.ratio)), bad, "%d spans at ratio %v", tt.spans, tt.ratio)
	}
}

func TestErrorsSpreadOverPairs(t *testing.T) {
	// An error every 100th span with 4 pairs would hit one pair only if good
	// and bad spans shared a round-robin.
	g := newTestGenerator(t, Config{
		Spans:      10000,
		Services:   []string{"a", "b"},
		Routes:     []string{"/x", "/y"},
		ErrorRatio: 0.01,
	})
	type counts struct{ total, bad int }
	perPair := map[[2]string]counts{}
	for _, td := range allBatches(t, g) {
		for _, o := range outcomes(td) {
			c := perPair[[2]string{o.service, o.route}]
			c.total++
			if o.bad {
				c.bad++
			}
			perPair[[2]string{o.service, o.route}] = c
		}
	}
	assert.Equal(t, map[[2]string]counts{
		{"a", "/x"}: {2500, 25},
		{"b", "/x"}: {2500, 25},
		{"a", "/y"}: {2500, 25},
		{"b", "/y"}: {2500, 25},
	}, perPair)
}

func TestSpanShape(t *testing.T) {
	g := newTestGenerator(t, Config{
		Spans:      200,
		Services:   []string{"checkout"},
		Routes:     []string{"/users/{id}/orders/:order"},
		ErrorRatio: 0.5,
		Latency:    LatencyConfig{Median: 20 * time.Millisecond},
	})
	td := g.Batch(0, 0)
	require.Equal(t, 1, td.ResourceSpans().Len())
	rs := td.ResourceSpans().At(0)
	svc, ok := rs.Resource().Attributes().Get("service.name")
	require.True(t, ok)
	assert.Equal(t, "checkout", svc.Str())
	require.Equal(t, 1, rs.ScopeSpans().Len())
	assert.Equal(t, ScopeName, rs.ScopeSpans().At(0).Scope().Name())

	spans := rs.ScopeSpans().At(0).Spans()
	require.Equal(t, 100, spans.Len())
	for _, span := range spans.All() {
		assert.Equal(t, ptrace.SpanKindServer, span.Kind())
		assert.Equal(t, "GET /users/{id}/orders/:order", span.Name())
		assert.False(t, span.TraceID().IsEmpty())
		assert.False(t, span.SpanID().IsEmpty())
		assert.Equal(t, fixedClock(), span.EndTimestamp().AsTime())
		assert.Equal(t, 20*time.Millisecond, span.EndTimestamp().AsTime().Sub(span.StartTimestamp().AsTime()))

		attrs := span.Attributes().AsRaw()
		assert.Equal(t, "GET", attrs["http.request.method"])
		assert.Equal(t, "/users/{id}/orders/:order", attrs["http.route"])
		assert.Regexp(t, `^/users/\d+/orders/\d+$`, attrs["url.path"])
		code := attrs["http.response.status_code"].(int64)
		if span.Status().Code() == ptrace.StatusCodeError {
			assert.GreaterOrEqual(t, code, int64(500))
		} else {
			assert.Equal(t, ptrace.StatusCodeUnset, span.Status().Code())
			assert.Equal(t, int64(200), code)
		}
	}
}

func TestBurstSwitchesRatio(t *testing.T) {
	g := newTestGenerator(t, Config{
		Spans:      1000,
		ErrorRatio: 0,
		Bursts:     []Burst{{Start: time.Minute, Length: 30 * time.Second, ErrorRatio: 1}},
	})
	badIn := func(td ptrace.Traces) int {
		n := 0
		for _, o := range outcomes(td) {
			if o.bad {
				n++
			}
		}
		return n
	}
	assert.Zero(t, badIn(g.Batch(0, 59*time.Second)))
	assert.Equal(t, 100, badIn(g.Batch(0, time.Minute)))
	assert.Equal(t, 100, badIn(g.Batch(0, 89*time.Second)))
	assert.Zero(t, badIn(g.Batch(0, 90*time.Second)), "the burst end is exclusive")
}

func TestSpanKind(t *testing.T) {
	g := newTestGenerator(t, Config{Spans: 1, Kind: ptrace.SpanKindClient})
	assert.Equal(t, ptrace.SpanKindClient, g.Batch(0, 0).ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Kind())
}

func TestLatencyLogNormal(t *testing.T) {
	g := newTestGenerator(t, Config{Latency: LatencyConfig{Median: 50 * time.Millisecond, P99: 300 * time.Millisecond}})
	rng := rand.New(rand.NewPCG(1, 2))
	samples := make([]time.Duration, 100000)
	for i := range samples {
		samples[i] = g.latency(rng)
	}
	slices.Sort(samples)
	// Seeded, so these bounds are not flaky; they only need to catch a wrong fit.
	assert.InEpsilon(t, float64(50*time.Millisecond), float64(samples[len(samples)/2]), 0.05)
	assert.InEpsilon(t, float64(300*time.Millisecond), float64(samples[len(samples)*99/100]), 0.05)
}

func TestLatencyBuckets(t *testing.T) {
	g := newTestGenerator(t, Config{Latency: LatencyConfig{Buckets: []LatencyBucket{
		{Value: 10 * time.Millisecond, Weight: 0.9},
		{Value: time.Hour, Weight: 0},
		{Value: time.Second, Weight: 0.1},
	}}})
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[time.Duration]int{}
	for range 10000 {
		seen[g.latency(rng)]++
	}
	assert.NotContains(t, seen, time.Hour)
	assert.InEpsilon(t, 9000, seen[10*time.Millisecond], 0.05)
	assert.InEpsilon(t, 1000, seen[time.Second], 0.1)
}

func TestTotalSpans(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		total   int64
		bounded bool
	}{
		{"spans", Config{Spans: 10}, 10, true},
		{"paced duration", Config{Rate: 100, Duration: 1500 * time.Millisecond}, 150, true},
		{"spans cap paced duration", Config{Spans: 10, Rate: 100, Duration: time.Second}, 10, true},
		{"paced duration caps spans", Config{Spans: 1000, Rate: 100, Duration: time.Second}, 100, true},
		{"paced duration of no spans", Config{Rate: 0.1, Duration: time.Second}, 0, true},
		{"full speed deadline", Config{Duration: time.Second}, 0, false},
		{"forever", Config{Rate: 10}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, bounded := newTestGenerator(t, tt.cfg).Total()
			assert.Equal(t, tt.total, total)
			assert.Equal(t, tt.bounded, bounded)
		})
	}
}

func TestValidate(t *testing.T) {
	tests := map[string]Config{
		"rate must be a finite number":     {Rate: -1},
		"spans must be >= 0":               {Spans: -1},
		"duration must be >= 0":            {Duration: -time.Second},
		"batch size must be >= 0":          {BatchSize: -1},
		"workers must be >= 0":             {Workers: -1},
		"error ratio: must be in [0, 1]":   {ErrorRatio: 1.5},
		"services[1] is empty":             {Services: []string{"a", ""}},
		"routes[0] is empty":               {Routes: []string{""}},
		"bursts[0]: start must be >= 0":    {Bursts: []Burst{{Length: 0, ErrorRatio: 0.5}}},
		"bursts[0] error ratio":            {Bursts: []Burst{{Length: time.Second, ErrorRatio: math.NaN()}}},
		"latency: p99 1ms is below median": {Latency: LatencyConfig{Median: time.Second, P99: time.Millisecond}},
		"latency: bucket weights sum to 0": {Latency: LatencyConfig{Buckets: []LatencyBucket{{Value: time.Second}}}},
	}
	for want, cfg := range tests {
		t.Run(want, func(t *testing.T) {
			err := cfg.Validate()
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), want), err.Error())
			_, err = NewGenerator(cfg)
			assert.ErrorContains(t, err, "invalid loadgen config")
		})
	}
	assert.NoError(t, Config{}.Validate())
}

func BenchmarkBatch(b *testing.B) {
	g, err := NewGenerator(Config{
		Services:   []string{"a", "b", "c"},
		Routes:     []string{"/x", "/users/{id}"},
		ErrorRatio: 0.01,
	})
	require.NoError(b, err)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.Batch(int64(i), 0)
	}
}
