package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"
)

func TestReadStatus(t *testing.T) {
	status := "Name:\totelcol-slo\nVmPeak:\t 1300000 kB\nVmHWM:\t   65536 kB\nVmRSS:\t   51200 kB\nThreads:\t12\n"
	rss, hwm, err := readStatus(strings.NewReader(status))
	require.NoError(t, err)
	require.Equal(t, int64(50<<20), rss)
	require.Equal(t, int64(64<<20), hwm)

	_, _, err = readStatus(strings.NewReader("Name:\tx\nVmRSS:\t1 kB\n"))
	require.ErrorContains(t, err, "missing")
}

func TestSummaryTakesHalfwayFromTheLoad(t *testing.T) {
	s := &sampler{samples: []memSample{
		{at: 0, rss: 10, hwm: 10}, {at: time.Second, rss: 30, hwm: 30},
		{at: 2 * time.Second, rss: 20, hwm: 35}, {at: 3 * time.Second, rss: 25, hwm: 35},
	}}
	m := s.summary(2 * time.Second)
	require.Equal(t, memory{samples: 4, start: 10, half: 20, peak: 30, last: 25, hwm: 35}, m)
}

func passing() report {
	load := loadgen.Result{Sent: 1000, Accepted: 1000, Good: 990, Bad: 10}
	return report{load: load, counts: counts{
		evaluated: 1000,
		events: map[string]outcomes{
			availabilityObjective: {good: 990, bad: 10, series: 12},
			latencyObjective:      {good: 995, bad: 5, series: 4},
		},
	}}
}

func TestProblems(t *testing.T) {
	require.Empty(t, passing().problems())

	lost := passing()
	lost.counts.events[latencyObjective] = outcomes{good: 990, bad: 5}
	require.Equal(t, []string{"soak-latency counted 995 events, loadgen had 1000 accepted (-5)"}, lost.problems())

	swapped := passing()
	swapped.counts.events[availabilityObjective] = outcomes{good: 989, bad: 11}
	require.Equal(t, []string{"soak-availability counted good=989 bad=11, loadgen sent good=990 bad=10"}, swapped.problems())

	unevaluated := passing()
	unevaluated.counts.evaluated, unevaluated.counts.rejected = 999, 1
	require.Len(t, unevaluated.problems(), 2)

	var out strings.Builder
	lost.write(&out)
	require.Contains(t, out.String(), "soak-latency       slo_events_total=995 != accepted 1000")
	require.Contains(t, out.String(), "result      FAIL")
}
