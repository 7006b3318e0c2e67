// Package benchdata generates the span batches and the objectives every
// benchmark of the module shares, so that the slo connector, the engine, the
// flush and the contrib spanmetrics connector are all measured on the same
// spans.
//
// The spans look like what instrumented HTTP services send: several services,
// server spans with the attributes otelhttp sets (in its order, so that the
// attributes an SLO reads sit at the end of the list, as in real traffic),
// HTTP and gRPC client spans, resource attributes of a Kubernetes pod, 1% to
// 5% errors depending on the service, log-normal durations, and end times
// spread over the last hour. Everything comes from a seed: the same Config
// gives the same batches.
package benchdata // import "github.com/otelcol-slo/otelcol-slo/internal/benchdata"

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// DefaultServices are the services of the default data; service i has an
// error ratio of (1 + i%5) percent.
var DefaultServices = []string{"frontend", "cart", "checkout", "catalog", "payment"}

// DefaultRoutes are the http.route templates every service serves by default.
var DefaultRoutes = []string{
	"/", "/api/v1/items", "/api/v1/items/{id}", "/api/v1/cart", "/api/v1/cart/{id}/lines",
	"/api/v1/checkout", "/api/v1/orders/{id}", "/api/v1/users/{id}", "/api/v1/search", "/healthz",
}

// Config describes a data set. Zero fields take the defaults noted.
type Config struct {
	// Services become resource service.name values (DefaultServices).
	Services []string
	// Routes are the http.route values of server spans (DefaultRoutes); see
	// also NumRoutes.
	Routes []string
	// NumRoutes, when set and Routes is not, makes NumRoutes synthetic routes
	// "/api/r/{n}/{id}", for benchmarks that need many series.
	NumRoutes int
	// SequentialRoutes gives span j of the run service j%len(Services) and
	// route (j/len(Services))%len(Routes), so that the first
	// len(Services)*len(Routes) server spans cover every pair; otherwise both
	// are random.
	SequentialRoutes bool
	// Batches is the number of batches Generate builds (DefaultBatches).
	Batches int
	// SpansPerBatch is the number of spans in each batch (512, the OTel SDK's
	// default export batch).
	SpansPerBatch int
	// ClientShare is the share of client spans, in [0, 1] (0.4); negative
	// means none.
	ClientShare float64
	// ErrorRatios, when set, overrides the per-service error ratio (service i
	// gets ErrorRatios[i%len]).
	ErrorRatios []float64
	// Now is the latest end time (time.Now() when zero).
	Now time.Time
	// Spread spreads end times uniformly over [Now-Spread, Now] (1h).
	Spread time.Duration
	// Seed makes the data reproducible (1).
	Seed uint64
}

// DefaultBatches is the number of batches of the default data: 2,048 spans,
// about 1.7 MB of pdata. That is more than one core's L2 cache here (1 MB),
// so every batch comes back from L3, as a batch the receiver decoded a moment
// ago does once other work has pushed part of it out of L2; the series'
// rings (7.7 KB each) compete with it for the cache, as they do in a
// collector. BENCHDATA_BATCHES overrides it: 1 keeps one batch in L2 (the
// best case), 32 (13.5 MB) makes most reads miss the caches.
const DefaultBatches = 4

// Default is the configuration of the shared benchmark data: the defaults of
// every field, and BENCHDATA_BATCHES batches when that is set.
func Default() Config {
	cfg := Config{Batches: DefaultBatches}
	if n, err := strconv.Atoi(os.Getenv("BENCHDATA_BATCHES")); err == nil && n > 0 {
		cfg.Batches = n
	}
	return cfg
}

func (c Config) withDefaults() Config {
	if len(c.Services) == 0 {
		c.Services = DefaultServices
	}
	if len(c.Routes) == 0 {
		if c.NumRoutes > 0 {
			c.Routes = make([]string, c.NumRoutes)
			for i := range c.Routes {
				c.Routes[i] = "/api/r/" + strconv.Itoa(i) + "/{id}"
			}
		} else {
			c.Routes = DefaultRoutes
		}
	}
	if c.Batches == 0 {
		c.Batches = DefaultBatches
	}
	if c.SpansPerBatch == 0 {
		c.SpansPerBatch = 512
	}
	if c.ClientShare == 0 {
		c.ClientShare = 0.4
	}
	if c.ClientShare < 0 {
		c.ClientShare = 0
	}
	if len(c.ErrorRatios) == 0 {
		c.ErrorRatios = []float64{0.01, 0.02, 0.03, 0.04, 0.05}
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	if c.Spread == 0 {
		c.Spread = time.Hour
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

// Generator builds the batches of a data set; batch i depends only on the
// Config and i.
type Generator struct {
	cfg Config
}

// NewGenerator returns a generator for cfg.
func NewGenerator(cfg Config) *Generator { return &Generator{cfg: cfg.withDefaults()} }

// Config returns the configuration with the defaults filled in.
func (g *Generator) Config() Config { return g.cfg }

// Data is a generated set of batches with its exact composition.
type Data struct {
	Config  Config
	Batches []ptrace.Traces
	// Spans counts every span; Server the server spans, which the preset
	// objectives evaluate; Bad the spans generated as failures.
	Spans, Server, Bad int
}

// SpansPerBatch is the number of spans in every batch.
func (d *Data) SpansPerBatch() int { return d.Config.SpansPerBatch }

// Generate builds cfg.Batches batches.
func Generate(cfg Config) *Data {
	g := NewGenerator(cfg)
	d := &Data{Config: g.cfg, Batches: make([]ptrace.Traces, g.cfg.Batches)}
	for i := range d.Batches {
		d.Batches[i] = g.Batch(i)
		d.count(d.Batches[i])
	}
	return d
}

func (d *Data) count(td ptrace.Traces) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		ss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < ss.Len(); j++ {
			spans := ss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				d.Spans++
				if span.Kind() == ptrace.SpanKindServer {
					d.Server++
				}
				if span.Status().Code() == ptrace.StatusCodeError {
					d.Bad++
				}
			}
		}
	}
}

// resource attributes a pod of each service carries, besides service.name.
func putResource(attrs pcommon.Map, service string, index int) {
	attrs.EnsureCapacity(9)
	attrs.PutStr("service.name", service)
	attrs.PutStr("service.namespace", "shop")
	attrs.PutStr("service.version", "1.4."+strconv.Itoa(index))
	attrs.PutStr("deployment.environment.name", "production")
	attrs.PutStr("host.name", "node-"+strconv.Itoa(index%3))
	attrs.PutStr("k8s.pod.name", service+"-7d9f8c6b5-"+strconv.Itoa(10000+index*37))
	attrs.PutStr("telemetry.sdk.language", "go")
	attrs.PutStr("telemetry.sdk.name", "opentelemetry")
	attrs.PutStr("telemetry.sdk.version", "1.38.0")
}

// Batch builds batch i: one ResourceSpans per service that has spans in it,
// with one ScopeSpans each, as the batch processor or an agent collector
// forwards them.
func (g *Generator) Batch(index int) ptrace.Traces {
	cfg := g.cfg
	td := ptrace.NewTraces()
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(index)))
	nServices := len(cfg.Services)
	scopes := make([]ptrace.SpanSlice, nServices)
	created := make([]bool, nServices)
	nowNanos := cfg.Now.UnixNano()
	for k := 0; k < cfg.SpansPerBatch; k++ {
		j := index*cfg.SpansPerBatch + k
		svc, route := rng.IntN(nServices), rng.IntN(len(cfg.Routes))
		if cfg.SequentialRoutes {
			svc, route = j%nServices, (j/nServices)%len(cfg.Routes)
		}
		if !created[svc] {
			rs := td.ResourceSpans().AppendEmpty()
			putResource(rs.Resource().Attributes(), cfg.Services[svc], svc)
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
			ss.Scope().SetVersion("0.63.0")
			spans := ss.Spans()
			spans.EnsureCapacity(cfg.SpansPerBatch/nServices + 1)
			scopes[svc], created[svc] = spans, true
		}
		span := scopes[svc].AppendEmpty()
		ratio := cfg.ErrorRatios[svc%len(cfg.ErrorRatios)]
		bad := rng.Float64() < ratio
		end := nowNanos - rng.Int64N(int64(cfg.Spread)+1)
		if rng.Float64() < cfg.ClientShare {
			fillClient(span, rng, cfg.Services, end, bad)
		} else {
			fillServer(span, rng, cfg.Routes[route], end, bad)
		}
	}
	return td
}

// logNormal returns a duration with the given median and p99.
func logNormal(rng *rand.Rand, median, p99 time.Duration) int64 {
	const z99 = 2.3263478740408408
	sigma := math.Log(float64(p99)/float64(median)) / z99
	return int64(math.Exp(math.Log(float64(median)) + sigma*rng.NormFloat64()))
}

func ids(span ptrace.Span, rng *rand.Rand) {
	var traceID [16]byte
	var spanID, parentID [8]byte
	binary.BigEndian.PutUint64(traceID[:8], rng.Uint64())
	binary.BigEndian.PutUint64(traceID[8:], rng.Uint64())
	binary.BigEndian.PutUint64(spanID[:], rng.Uint64()|1)
	binary.BigEndian.PutUint64(parentID[:], rng.Uint64()|1)
	span.SetTraceID(traceID)
	span.SetSpanID(spanID)
	span.SetParentSpanID(parentID)
	span.SetFlags(1)
}

var badHTTPCodes = [...]int64{500, 502, 503, 504}

func fillServer(span ptrace.Span, rng *rand.Rand, route string, end int64, bad bool) {
	ids(span, rng)
	span.SetName("GET " + route)
	span.SetKind(ptrace.SpanKindServer)
	span.SetStartTimestamp(pcommon.Timestamp(end - logNormal(rng, 50*time.Millisecond, 300*time.Millisecond)))
	span.SetEndTimestamp(pcommon.Timestamp(end))
	code := int64(200)
	switch {
	case bad:
		code = badHTTPCodes[rng.IntN(len(badHTTPCodes))]
		span.Status().SetCode(ptrace.StatusCodeError)
	case rng.IntN(50) == 0:
		code = 404 // the caller's fault: good for the availability preset
	}
	attrs := span.Attributes()
	attrs.EnsureCapacity(12)
	attrs.PutStr("http.request.method", "GET")
	attrs.PutStr("url.scheme", "https")
	attrs.PutStr("server.address", "shop.example.com")
	attrs.PutInt("server.port", 443)
	attrs.PutStr("network.peer.address", "10.1."+strconv.Itoa(rng.IntN(256))+"."+strconv.Itoa(rng.IntN(256)))
	attrs.PutInt("network.peer.port", 30000+rng.Int64N(30000))
	attrs.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
	attrs.PutStr("client.address", "203.0.113."+strconv.Itoa(rng.IntN(256)))
	attrs.PutStr("url.path", strings.ReplaceAll(route, "{id}", strconv.Itoa(1+rng.IntN(100000))))
	attrs.PutStr("network.protocol.version", "1.1")
	attrs.PutStr("http.route", route)
	attrs.PutInt("http.response.status_code", code)
}

var grpcFaults = [...]int64{2, 4, 13, 14}

func fillClient(span ptrace.Span, rng *rand.Rand, services []string, end int64, bad bool) {
	ids(span, rng)
	span.SetKind(ptrace.SpanKindClient)
	span.SetStartTimestamp(pcommon.Timestamp(end - logNormal(rng, 20*time.Millisecond, 200*time.Millisecond)))
	span.SetEndTimestamp(pcommon.Timestamp(end))
	peer := services[rng.IntN(len(services))]
	attrs := span.Attributes()
	if bad {
		span.Status().SetCode(ptrace.StatusCodeError)
	}
	if rng.IntN(2) == 0 {
		attrs.EnsureCapacity(6)
		span.SetName("GET")
		code := int64(200)
		if bad {
			code = badHTTPCodes[rng.IntN(len(badHTTPCodes))]
		}
		attrs.PutStr("http.request.method", "GET")
		attrs.PutStr("url.full", fmt.Sprintf("http://%s:8080/internal/v1/%d", peer, rng.IntN(1000)))
		attrs.PutStr("server.address", peer)
		attrs.PutInt("server.port", 8080)
		attrs.PutStr("network.protocol.version", "1.1")
		attrs.PutInt("http.response.status_code", code)
		return
	}
	attrs.EnsureCapacity(6)
	method := "Get"
	span.SetName(peer + ".v1." + peer + "Service/" + method)
	code := int64(0)
	if bad {
		code = grpcFaults[rng.IntN(len(grpcFaults))]
	}
	attrs.PutStr("rpc.system", "grpc")
	attrs.PutStr("rpc.service", peer+".v1."+peer+"Service")
	attrs.PutStr("rpc.method", method)
	attrs.PutStr("server.address", peer)
	attrs.PutInt("server.port", 9090)
	attrs.PutInt("rpc.grpc.status_code", code)
}
