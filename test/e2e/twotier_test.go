package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// tierService is one service's share of the two-tier test's spans: total
// server spans, of which bad answer HTTP 500 and slow (all otherwise good)
// take 400ms against the 300ms threshold of back.yaml's latency objective.
type tierService struct {
	name             string
	total, bad, slow int
}

// tierServices have distinct counts, so that a service's series showing up
// with another's numbers, or split over both backs, cannot go unnoticed. With
// 24 services, the chance that hashing puts all of them on one of two back
// collectors is 1 in 2^23, about 1 in 8 million.
var tierServices = []tierService{
	{"cart", 20, 0, 1},
	{"checkout", 30, 1, 2},
	{"search", 40, 2, 0},
	{"payment", 50, 3, 1},
	{"shipping", 60, 4, 2},
	{"catalog", 70, 5, 0},
	{"auth", 80, 6, 1},
	{"inventory", 90, 7, 2},
	{"pricing", 100, 8, 0},
	{"reviews", 110, 9, 1},
	{"recommendations", 120, 10, 2},
	{"notifications", 130, 11, 0},
	{"accounts", 140, 12, 1},
	{"billing", 150, 13, 2},
	{"cdn", 160, 14, 0},
	{"coupons", 170, 15, 1},
	{"emails", 180, 16, 2},
	{"fraud", 190, 17, 0},
	{"gateway", 200, 18, 1},
	{"ledger", 210, 19, 2},
	{"loyalty", 220, 20, 0},
	{"media", 230, 21, 1},
	{"orders", 240, 22, 2},
	{"wishlist", 250, 23, 0},
}

// tierBatches builds the spans of tierServices, ended a minute before now,
// as three export requests that each carry a third of every service's spans:
// routing has to be consistent across requests, not just within one.
func tierBatches(now time.Time) []ptrace.Traces {
	batches := []ptrace.Traces{ptrace.NewTraces(), ptrace.NewTraces(), ptrace.NewTraces()}
	end := now.Add(-time.Minute)
	for n, svc := range tierServices {
		spans := make([]ptrace.SpanSlice, len(batches))
		for i, td := range batches {
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", svc.name)
			spans[i] = rs.ScopeSpans().AppendEmpty().Spans()
		}
		for i := 0; i < svc.total; i++ {
			span := spans[i%len(batches)].AppendEmpty()
			span.SetName("GET /")
			// Distinct trace IDs, as real traffic has: routing by trace ID
			// would scatter every service over both backs.
			span.SetTraceID(pcommon.TraceID{0: byte(n + 1), 1: byte(i >> 8), 2: byte(i), 15: 1})
			span.SetSpanID(pcommon.SpanID{0: byte(n + 1), 1: byte(i >> 8), 2: byte(i), 7: 1})
			span.SetKind(ptrace.SpanKindServer)
			length := 100 * time.Millisecond
			status := int64(200)
			switch {
			case i < svc.bad:
				status = 500
			case i < svc.bad+svc.slow:
				length = 400 * time.Millisecond
			}
			span.Attributes().PutInt("http.response.status_code", status)
			span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
			span.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-length)))
		}
	}
	return batches
}

// TestTwoTiersKeepEachServiceOnOneBack runs examples/two-tier as a human would
// on one machine, with the ports moved by the files' environment variables:
// a front collector routing by service to two back collectors running the
// slo connector.
func TestTwoTiersKeepEachServiceOnOneBack(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "two-tier")
	backConfig, err := os.ReadFile(filepath.Join(dir, "back.yaml"))
	require.NoError(t, err)
	frontConfig, err := os.ReadFile(filepath.Join(dir, "front.yaml"))
	require.NoError(t, err)

	// A child collector reads its environment when it starts, so setting the
	// variables before each start gives each back its own ports.
	backs := []ports{newPorts(t), newPorts(t)}
	for _, b := range backs {
		t.Setenv("BACK_OTLP_ENDPOINT", b.otlpEndpoint())
		t.Setenv("BACK_PROMETHEUS_ENDPOINT", fmt.Sprintf("127.0.0.1:%d", b.prometheus))
		t.Setenv("BACK_HEALTH_ENDPOINT", b.healthEndpoint())
		t.Setenv("BACK_TELEMETRY_PORT", strconv.Itoa(b.telemetry))
		t.Setenv("BACK_FLUSH_INTERVAL", "1s")
		startCollector(t, string(backConfig), b.health)
	}
	front := newPorts(t)
	t.Setenv("FRONT_OTLP_ENDPOINT", front.otlpEndpoint())
	t.Setenv("FRONT_HEALTH_ENDPOINT", front.healthEndpoint())
	t.Setenv("FRONT_TELEMETRY_PORT", strconv.Itoa(front.telemetry))
	t.Setenv("BACK1_ENDPOINT", backs[0].otlpEndpoint())
	t.Setenv("BACK2_ENDPOINT", backs[1].otlpEndpoint())
	startCollector(t, string(frontConfig), front.health)

	for _, td := range tierBatches(time.Now()) {
		sendTraces(t, front.otlpEndpoint(), td)
	}

	scrapes := waitForTiers(t, backs)
	perBack := make([]int, len(backs))
	var good, bad, sentGood, sentBad float64
	for _, svc := range tierServices {
		on := backsWith(scrapes, svc.name)
		if !assert.Len(t, on, 1, "service %s is on backs %v", svc.name, on) {
			continue
		}
		got := scrapes[on[0]]
		perBack[on[0]]++
		avail := map[string]string{"slo_name": "service-availability", "service_name": svc.name}
		assertValue(t, got, "slo_events_total", with(avail, "slo_outcome", "good"), float64(svc.total-svc.bad))
		assertValue(t, got, "slo_events_total", with(avail, "slo_outcome", "bad"), float64(svc.bad))
		// Every span ended a minute ago, so every window holds all of them.
		assertValue(t, got, "slo_sli", with(avail, "slo_window", "5m"), float64(svc.total-svc.bad)/float64(svc.total))
		latency := map[string]string{"slo_name": "service-latency", "service_name": svc.name}
		assertValue(t, got, "slo_events_total", with(latency, "slo_outcome", "good"), float64(svc.total-svc.slow))
		assertValue(t, got, "slo_events_total", with(latency, "slo_outcome", "bad"), float64(svc.slow))

		g, _ := find(got, "slo_events_total", with(avail, "slo_outcome", "good"))
		b, _ := find(got, "slo_events_total", with(avail, "slo_outcome", "bad"))
		good, bad = good+g, bad+b
		sentGood, sentBad = sentGood+float64(svc.total-svc.bad), sentBad+float64(svc.bad)
	}
	// 3240 spans sent (20 + 10n for n = 0..23), 276 of them bad (n): the
	// backs' counts add up to exactly that.
	assert.Equal(t, 2964.0, sentGood)
	assert.Equal(t, 276.0, sentBad)
	assert.Equal(t, sentGood, good)
	assert.Equal(t, sentBad, bad)
	assert.Equal(t, sentGood+sentBad, sumOver(scrapes, "slo_events_total", map[string]string{"slo_name": "service-availability"}))
	for i, n := range perBack {
		assert.NotZero(t, n, "back %d got no service: the front did not balance", i+1)
	}
	t.Logf("services per back: %v", perBack)
}

// waitForTiers scrapes every back until each tierService's availability
// counts, summed over the backs, are complete, and returns the last scrapes.
func waitForTiers(t *testing.T, backs []ports) []map[string][]sample {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var scrapes []map[string][]sample
	for time.Now().Before(deadline) {
		scrapes = scrapes[:0]
		for _, b := range backs {
			scrapes = append(scrapes, scrape(t, b.metricsURL()))
		}
		complete := true
		for _, svc := range tierServices {
			labels := map[string]string{"slo_name": "service-availability", "service_name": svc.name}
			if sumOver(scrapes, "slo_events_total", labels) != float64(svc.total) {
				complete = false
				break
			}
		}
		if complete {
			return scrapes
		}
		time.Sleep(200 * time.Millisecond)
	}
	var b strings.Builder
	for i, s := range scrapes {
		fmt.Fprintf(&b, "back %d:\n%s", i+1, describe(s, "slo_events_total"))
	}
	t.Fatalf("the backs did not count every span within 30s:\n%s", b.String())
	return nil
}

// backsWith returns the indexes of the scrapes holding any SLO series of
// service.
func backsWith(scrapes []map[string][]sample, service string) []int {
	var on []int
	for i, samples := range scrapes {
	search:
		for name, ss := range samples {
			if !strings.HasPrefix(name, "slo_") {
				continue
			}
			for _, s := range ss {
				if s.labels["service_name"] == service {
					on = append(on, i)
					break search
				}
			}
		}
	}
	return on
}

// sumOver adds the values of name's samples whose labels include want, over
// every scrape.
func sumOver(scrapes []map[string][]sample, name string, want map[string]string) float64 {
	var sum float64
	for _, samples := range scrapes {
		for _, s := range samples[name] {
			match := true
			for k, v := range want {
				if s.labels[k] != v {
					match = false
					break
				}
			}
			if match {
				sum += s.value
			}
		}
	}
	return sum
}
