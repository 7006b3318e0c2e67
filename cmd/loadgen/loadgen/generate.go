package loadgen // import "github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ScopeName is the instrumentation scope of every generated span.
const ScopeName = "github.com/otelcol-slo/otelcol-slo/cmd/loadgen"

// z99 is the standard normal quantile at 0.99, used to fit a log-normal
// distribution to a median and a p99.
const z99 = 2.3263478740408408

// Generator builds the batches of one run. Batch i always holds spans
// [i*BatchSize, (i+1)*BatchSize) of the run, and everything random in it
// comes from (Seed, i), so batches can be built in any order, by any number
// of workers, and still add up to the same run.
type Generator struct {
	cfg     Config
	total   int64
	bounded bool
	routes  []routeTemplate
	// mu and sigma parametrise the log-normal latency distribution.
	mu, sigma float64
	// cumWeights holds running sums of the latency bucket weights.
	cumWeights []float64
}

type routeTemplate struct {
	route string
	parts []string
	// params indexes the parts that are placeholders such as "{id}".
	params []int
}

// NewGenerator validates cfg and prepares a Generator for it.
func NewGenerator(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid loadgen config: %w", err)
	}
	cfg = cfg.withDefaults()
	g := &Generator{cfg: cfg}
	g.total, g.bounded = cfg.totalSpans()
	for _, r := range cfg.Routes {
		g.routes = append(g.routes, parseRoute(r))
	}
	if len(cfg.Latency.Buckets) > 0 {
		var sum float64
		for _, b := range cfg.Latency.Buckets {
			sum += b.Weight
			g.cumWeights = append(g.cumWeights, sum)
		}
	} else {
		g.mu = math.Log(float64(cfg.Latency.Median))
		if cfg.Latency.Median > 0 && cfg.Latency.P99 > cfg.Latency.Median {
			g.sigma = math.Log(float64(cfg.Latency.P99)/float64(cfg.Latency.Median)) / z99
		}
	}
	return g, nil
}

// Total returns how many spans the whole run holds; bounded is false when
// the run only ends on a deadline or cancellation.
func (g *Generator) Total() (spans int64, bounded bool) {
	return g.total, g.bounded
}

// Batch returns batch index as if it were scheduled offset after the start
// of the run; offset only selects the error ratio when Bursts are set. An
// index past the end of a bounded run yields empty Traces.
func (g *Generator) Batch(index int64, offset time.Duration) ptrace.Traces {
	td, _, _ := g.build(index, offset)
	return td
}

// build is Batch plus the good and bad span counts that Run reports.
func (g *Generator) build(index int64, offset time.Duration) (td ptrace.Traces, good, bad int64) {
	td = ptrace.NewTraces()
	size := int64(g.cfg.BatchSize)
	lo, hi := index*size, (index+1)*size
	if g.bounded && hi > g.total {
		hi = g.total
	}
	if index < 0 || lo >= hi {
		return td, 0, 0
	}

	rng := rand.New(rand.NewPCG(uint64(g.cfg.Seed), uint64(index)))
	ratio := g.cfg.errorRatioAt(offset)
	end := g.cfg.Now()
	nServices := int64(len(g.cfg.Services))
	pairs := nServices * int64(len(g.routes))
	// Spans of one service share a ResourceSpans, created on first use so
	// that a batch has no empty resources.
	scopes := make([]ptrace.SpanSlice, nServices)
	created := make([]bool, nServices)

	for i := lo; i < hi; i++ {
		isBad, ordinal := outcome(i, ratio)
		// Good and bad spans each cycle through every (service, route) pair
		// on their own, so each pair gets within one span of its share of
		// both; one shared cycle would pile all errors onto a single pair
		// whenever the error period is a multiple of the pair count.
		pair := ordinal % pairs
		svc, route := pair%nServices, pair/nServices
		if !created[svc] {
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", g.cfg.Services[svc])
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName(ScopeName)
			scopes[svc], created[svc] = ss.Spans(), true
		}
		g.fillSpan(scopes[svc].AppendEmpty(), rng, g.routes[route], end, isBad)
		if isBad {
			bad++
		} else {
			good++
		}
	}
	return td, good, bad
}

func (g *Generator) fillSpan(span ptrace.Span, rng *rand.Rand, route routeTemplate, end time.Time, isBad bool) {
	var traceID [16]byte
	var spanID [8]byte
	binary.BigEndian.PutUint64(traceID[:8], rng.Uint64())
	binary.BigEndian.PutUint64(traceID[8:], rng.Uint64())
	// An all-zero span ID is invalid in OTLP; forcing one bit costs nothing.
	binary.BigEndian.PutUint64(spanID[:], rng.Uint64()|1)
	span.SetTraceID(traceID)
	span.SetSpanID(spanID)
	span.SetName("GET " + route.route)
	span.SetKind(g.cfg.Kind)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-g.latency(rng))))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))

	code := 200
	if isBad {
		codes := [...]int{500, 502, 503, 504}
		code = codes[rng.IntN(len(codes))]
		// Semantic conventions leave server span status unset for anything
		// below 500, so only bad spans carry a status.
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage("HTTP " + strconv.Itoa(code))
	}
	attrs := span.Attributes()
	attrs.EnsureCapacity(5)
	attrs.PutStr("http.request.method", "GET")
	attrs.PutStr("http.route", route.route)
	attrs.PutInt("http.response.status_code", int64(code))
	attrs.PutStr("url.path", route.path(rng))
	attrs.PutStr("url.scheme", "http")
}

// outcome decides whether span i of the run is bad at the given ratio and
// returns its position among the spans with the same outcome. Span i is bad
// when round((i+1)*ratio) > round(i*ratio): the sum telescopes, so the first
// N spans hold exactly round(N*ratio) bad ones, spaced evenly, without any
// state shared between batches.
func outcome(i int64, ratio float64) (isBad bool, ordinal int64) {
	before := badBefore(i, ratio)
	if badBefore(i+1, ratio) > before {
		return true, before
	}
	return false, i - before
}

func badBefore(n int64, ratio float64) int64 {
	return int64(math.Floor(float64(n)*ratio + 0.5))
}

func (g *Generator) latency(rng *rand.Rand) time.Duration {
	if len(g.cumWeights) > 0 {
		u := rng.Float64() * g.cumWeights[len(g.cumWeights)-1]
		// Bucket i owns [cumWeights[i-1], cumWeights[i]), so a zero-weight
		// bucket owns nothing and is never picked.
		i := sort.Search(len(g.cumWeights), func(i int) bool { return g.cumWeights[i] > u })
		// Rounding in the multiplication can land u on the total.
		i = min(i, len(g.cumWeights)-1)
		return g.cfg.Latency.Buckets[i].Value
	}
	if g.sigma == 0 {
		return g.cfg.Latency.Median
	}
	return time.Duration(math.Exp(g.mu + g.sigma*rng.NormFloat64()))
}

func parseRoute(route string) routeTemplate {
	t := routeTemplate{route: route, parts: strings.Split(route, "/")}
	for i, p := range t.parts {
		if strings.HasPrefix(p, ":") || (strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}")) {
			t.params = append(t.params, i)
		}
	}
	return t
}

// path fills the route's placeholders so url.path varies like real traffic
// while http.route stays a low-cardinality template.
func (t routeTemplate) path(rng *rand.Rand) string {
	if len(t.params) == 0 {
		return t.route
	}
	parts := append([]string(nil), t.parts...)
	for _, i := range t.params {
		parts[i] = strconv.Itoa(1 + rng.IntN(10000))
	}
	return strings.Join(parts, "/")
}
