package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"
)

// outcomes are one objective's slo_events_total, summed over its series.
type outcomes struct {
	good, bad float64
	series    int
}

func (o outcomes) total() float64 { return o.good + o.bad }

// counts is what the collector says it counted.
type counts struct {
	// events is slo_events_total by objective, from the Prometheus exporter.
	events map[string]outcomes
	// evaluated, rejected and overflowed are the connector's own counters
	// (otelcol_slo_spans_evaluated, _spans_rejected, _events_overflowed).
	evaluated, rejected, overflowed float64
}

// scrapeCounts reads both endpoints of the collector.
func scrapeCounts(client *http.Client, p ports) (counts, error) {
	c := counts{events: map[string]outcomes{}}
	fams, err := scrape(client, p.metricsURL())
	if err != nil {
		return c, err
	}
	seen := map[string]map[string]bool{}
	for _, m := range fams["slo_events_total"].GetMetric() {
		labels := labelMap(m)
		name := labels["slo_name"]
		o := c.events[name]
		switch labels["slo_outcome"] {
		case "good":
			o.good += m.GetCounter().GetValue()
		case "bad":
			o.bad += m.GetCounter().GetValue()
		}
		// A series is one combination of the group_by labels.
		delete(labels, "slo_outcome")
		key := fmt.Sprint(labels)
		if seen[name] == nil {
			seen[name] = map[string]bool{}
		}
		if !seen[name][key] {
			seen[name][key] = true
			o.series++
		}
		c.events[name] = o
	}
	tel, err := scrape(client, p.telemetryURL())
	if err != nil {
		return c, err
	}
	c.evaluated = sum(tel["otelcol_slo_spans_evaluated"])
	c.rejected = sum(tel["otelcol_slo_spans_rejected"])
	c.overflowed = sum(tel["otelcol_slo_events_overflowed"])
	return c, nil
}

func scrape(client *http.Client, url string) (map[string]*dto.MetricFamily, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(resp.Body)
}

func labelMap(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// sum adds every sample of a counter or gauge family; nil sums to 0.
func sum(f *dto.MetricFamily) float64 {
	var total float64
	for _, m := range f.GetMetric() {
		total += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
	}
	return total
}

// report is everything the soak prints at the end.
type report struct {
	cfg         loadgen.Config
	load        loadgen.Result
	loadErr     error
	counts      counts
	scrapeErr   error
	mem         memory
	stopErr     error
	interrupted bool
}

// problems lists every way the run broke a promise; the soak fails when
// there is any. Counts are compared exactly: loadgen never retries, so an
// accepted span is one the collector must have counted once.
func (r report) problems() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	accepted := float64(r.load.Accepted)
	if r.loadErr != nil && !r.interrupted {
		add("loadgen: %v", r.loadErr)
	}
	if r.load.Errors > 0 || r.load.Rejected > 0 {
		add("loadgen: %d spans failed and %d were rejected (%s)", r.load.Errors, r.load.Rejected, r.load.FirstError)
	}
	if r.scrapeErr != nil {
		add("scraping the collector: %v", r.scrapeErr)
	}
	for _, name := range []string{availabilityObjective, latencyObjective} {
		if got := r.counts.events[name].total(); got != accepted {
			add("%s counted %.0f events, loadgen had %.0f accepted (%+.0f)", name, got, accepted, got-accepted)
		}
	}
	// Failed exports have no known outcome split, so good/bad are only
	// comparable when every span was accepted.
	if r.load.Accepted == r.load.Sent {
		if a := r.counts.events[availabilityObjective]; a.good != float64(r.load.Good) || a.bad != float64(r.load.Bad) {
			add("%s counted good=%.0f bad=%.0f, loadgen sent good=%d bad=%d", availabilityObjective, a.good, a.bad, r.load.Good, r.load.Bad)
		}
	}
	if r.counts.evaluated != accepted {
		add("otelcol_slo_spans_evaluated is %.0f, loadgen had %.0f accepted", r.counts.evaluated, accepted)
	}
	if r.counts.rejected != 0 {
		add("otelcol_slo_spans_rejected is %.0f, want 0", r.counts.rejected)
	}
	if r.stopErr != nil {
		add("collector: %v", r.stopErr)
	}
	return out
}

func (r report) write(w io.Writer) {
	cut := ""
	if r.interrupted {
		cut = " (interrupted)"
	}
	fmt.Fprintf(w, "\nsoak report\n")
	fmt.Fprintf(w, "  load        %s at %.0f spans/s, %d services x %d routes, %.2f%% errors%s\n",
		r.cfg.Duration, r.cfg.Rate, len(r.cfg.Services), len(r.cfg.Routes), r.cfg.ErrorRatio*100, cut)
	fmt.Fprintf(w, "  loadgen     %s\n", r.load)
	fmt.Fprintf(w, "  collector   otelcol_slo_spans_evaluated=%.0f spans_rejected=%.0f events_overflowed=%.0f\n",
		r.counts.evaluated, r.counts.rejected, r.counts.overflowed)
	names := make([]string, 0, len(r.counts.events))
	for name := range r.counts.events {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		o := r.counts.events[name]
		verdict := "= accepted"
		if o.total() != float64(r.load.Accepted) {
			verdict = fmt.Sprintf("!= accepted %d", r.load.Accepted)
		}
		fmt.Fprintf(w, "  %-18s slo_events_total=%.0f %s (good=%.0f bad=%.0f, %d series)\n", name, o.total(), verdict, o.good, o.bad, o.series)
	}
	if r.mem.samples == 0 {
		fmt.Fprintf(w, "  memory      not sampled: %v\n", r.mem.err)
	} else {
		fmt.Fprintf(w, "  memory      VmRSS start %s, halfway %s, peak %s, final %s; VmHWM %s (%d samples, 1/s)\n",
			mib(r.mem.start), mib(r.mem.half), mib(r.mem.peak), mib(r.mem.last), mib(r.mem.hwm), r.mem.samples)
	}
	if p := r.problems(); len(p) > 0 {
		fmt.Fprintf(w, "  result      FAIL\n    %s\n", strings.Join(p, "\n    "))
	} else {
		fmt.Fprintf(w, "  result      PASS: every accepted span counted exactly once\n")
	}
}

// progressEvery spaces the progress lines: about ten per run, within reason.
func progressEvery(d time.Duration) time.Duration {
	return min(max(d/10, 5*time.Second), time.Minute)
}
