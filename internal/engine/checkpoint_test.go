package engine

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func checkpointObjectives() []*Objective {
	grouped := groupedObjective("http.route")
	grouped.Name = "routes"
	grouped.Definition = "routes v1"
	avail := availabilityObjective("avail", 0.99, 30*24*time.Hour)
	avail.Definition = "avail v1"
	return []*Objective{grouped, avail}
}

// checkpointSpans gives /a 3 good and 1 bad, /b 2 good, an int route 7 one
// bad, and a span without a route one good, all 90 minutes before testNow.
func checkpointSpans() ptrace.Traces {
	at := testNow.Add(-90 * time.Minute)
	return traces(
		testSpan{end: at, attrs: map[string]any{"http.route": "/a"}},
		testSpan{end: at, attrs: map[string]any{"http.route": "/a"}},
		testSpan{end: at, attrs: map[string]any{"http.route": "/a"}},
		testSpan{end: at, attrs: map[string]any{"http.route": "/a"}, status: ptrace.StatusCodeError},
		testSpan{end: at, attrs: map[string]any{"http.route": "/b"}},
		testSpan{end: at, attrs: map[string]any{"http.route": "/b"}},
		testSpan{end: at, attrs: map[string]any{"http.route": int64(7)}, status: ptrace.StatusCodeError},
		testSpan{end: at},
	)
}

func TestCheckpointRoundTrip(t *testing.T) {
	before := newEngine(t, Settings{}, checkpointObjectives()...)
	before.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	want := before.Snapshot(testNow)
	data := before.Checkpoint(testNow)

	after := newEngine(t, Settings{}, checkpointObjectives()...)
	restartedAt := testNow.Add(time.Minute)
	report, err := after.Restore(data, restartedAt)
	require.NoError(t, err)
	assert.Equal(t, RestoreReport{SavedAt: testNow, Series: 5}, report)
	assert.Equal(t, int64(5), after.Stats().ActiveSeries)

	got := after.Snapshot(testNow)
	for o := range want.Objectives {
		require.Len(t, got.Objectives[o].Series, len(want.Objectives[o].Series))
		for s, ws := range want.Objectives[o].Series {
			gs := got.Objectives[o].Series[s]
			assert.Equal(t, ws.Group, gs.Group)
			assert.Equal(t, ws.Start, gs.Start, "the cumulative start survives")
			assert.Equal(t, ws.Good, gs.Good)
			assert.Equal(t, ws.Bad, gs.Bad)
			assert.Equal(t, ws.Windows, gs.Windows)
			assert.Equal(t, Baseline{Good: ws.Good, Bad: ws.Bad, Time: restartedAt}, gs.Baseline)
		}
	}

	// New spans of a restored group land in the restored series, not a new one.
	after.ConsumeTraces(context.Background(), traces(
		testSpan{end: testNow, attrs: map[string]any{"http.route": "/a"}},
		testSpan{end: testNow, attrs: map[string]any{"http.route": int64(7)}},
	), testNow, nil)
	series := seriesByGroup(t, after.Snapshot(testNow).Objectives[0])
	require.Len(t, series, 4, "int 7 and string 7 share a key here; no new series either way")
	assert.Equal(t, uint64(4), series["http.route=/a;"].Good)
	assert.Equal(t, uint64(1), series["http.route=/a;"].Bad)
	assert.Equal(t, int64(5), after.Stats().ActiveSeries)
}

func TestCheckpointRestoresAlertStates(t *testing.T) {
	before := newEngine(t, Settings{}, checkpointObjectives()...)
	// 1 bad in 2 recent spans burns far above every tier of both objectives.
	before.ConsumeTraces(context.Background(), traces(
		testSpan{end: testNow}, testSpan{end: testNow, status: ptrace.StatusCodeError},
	), testNow, nil)
	before.Snapshot(testNow)
	data := before.Checkpoint(testNow)

	after := newEngine(t, Settings{}, checkpointObjectives()...)
	_, err := after.Restore(data, testNow)
	require.NoError(t, err)
	// The restored states are the previous ones: the next evaluation, still
	// firing, logs no change.
	for _, state := range after.objectives {
		for _, s := range state.allSeries() {
			assert.Equal(t, []bool{true, true, true, true}[:len(state.objective.Alerts)], s.firing)
		}
	}
}

func TestRestoreDropsWhatNoLongerMatches(t *testing.T) {
	before := newEngine(t, Settings{}, checkpointObjectives()...)
	before.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	data := before.Checkpoint(testNow)

	tests := []struct {
		name    string
		change  func(routes, avail *Objective) []*Objective
		series  int
		dropped []string
	}{
		{
			name:    "objective removed",
			change:  func(_, avail *Objective) []*Objective { return []*Objective{avail} },
			series:  1,
			dropped: []string{`objective "routes": 4 series dropped: the objective is no longer configured`},
		},
		{
			name: "target changed",
			change: func(routes, avail *Objective) []*Objective {
				avail.Target = 0.995
				return []*Objective{routes, avail}
			},
			series:  4,
			dropped: []string{`objective "avail": 1 series dropped: its target changed from 99% to 99.5%`},
		},
		{
			name: "period changed",
			change: func(routes, avail *Objective) []*Objective {
				avail.Period = 28 * 24 * time.Hour
				avail.Windows[len(avail.Windows)-1] = avail.Period
				return []*Objective{routes, avail}
			},
			series:  4,
			dropped: []string{`objective "avail": 1 series dropped: its period changed from 30d to 28d`},
		},
		{
			name: "group_by changed",
			change: func(routes, avail *Objective) []*Objective {
				routes.GroupBy = []string{"http.route", "http.request.method"}
				return []*Objective{routes, avail}
			},
			series:  1,
			dropped: []string{`objective "routes": 4 series dropped: its group_by changed from [http.route] to [http.route http.request.method]`},
		},
		{
			name: "indicator changed",
			change: func(routes, avail *Objective) []*Objective {
				avail.Definition = "avail v2"
				return []*Objective{routes, avail}
			},
			series:  4,
			dropped: []string{`objective "avail": 1 series dropped: its service, spans or indicator changed (was avail v1, now avail v2)`},
		},
		{
			name: "window added",
			change: func(routes, avail *Objective) []*Objective {
				routes.Windows = append([]time.Duration{time.Minute}, routes.Windows...)
				return []*Objective{routes, avail}
			},
			series:  5,
			dropped: []string{`objective "routes": windows [1m] are new and start empty`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objectives := checkpointObjectives()
			after := newEngine(t, Settings{}, tt.change(objectives[0], objectives[1])...)
			report, err := after.Restore(data, testNow)
			require.NoError(t, err)
			assert.Equal(t, tt.series, report.Series)
			assert.Equal(t, tt.dropped, report.Dropped)
		})
	}
}

func TestRestoreRespectsMaxSeries(t *testing.T) {
	before := newEngine(t, Settings{}, checkpointObjectives()...)
	before.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	after := newEngine(t, Settings{MaxSeries: 2}, checkpointObjectives()...)
	report, err := after.Restore(before.Checkpoint(testNow), testNow)
	require.NoError(t, err)
	assert.Equal(t, 2, report.Series)
	assert.Equal(t, []string{
		`objective "routes": 2 series dropped: max_series 2 reached`,
		`objective "avail": 1 series dropped: max_series 2 reached`,
	}, report.Dropped)
}

func TestRestoreRejectsUnreadableCheckpoints(t *testing.T) {
	before := newEngine(t, Settings{}, checkpointObjectives()...)
	before.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	data := before.Checkpoint(testNow)

	withChecksum := func(body []byte) []byte {
		return binary.LittleEndian.AppendUint32(append([]byte{}, body...), crc32.ChecksumIEEE(body))
	}
	flipped := append([]byte{}, data...)
	flipped[len(flipped)/2] ^= 0xff
	oldVersion := append([]byte(checkpointMagic), 0) // version 0
	garbageBody := append([]byte(checkpointMagic), 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f)

	tests := map[string]struct {
		data []byte
		want string
	}{
		"empty":          {nil, "checkpoint is truncated (0 bytes)"},
		"not ours":       {[]byte("{\"hello\": \"world\"} and more"), "not an otelcol-slo checkpoint"},
		"truncated":      {data[:len(data)-10], "checkpoint is corrupt or truncated (checksum mismatch)"},
		"bit flip":       {flipped, "checkpoint is corrupt or truncated (checksum mismatch)"},
		"older format":   {withChecksum(oldVersion), "checkpoint format version 0 is not supported, this collector reads version 1"},
		"huge length":    {withChecksum(garbageBody), "checkpoint is corrupt: length 4294967295 exceeds the 0 bytes left"},
		"trailing bytes": {withChecksum(append(append([]byte{}, data[:len(data)-4]...), 0)), "checkpoint is corrupt: 1 bytes left over"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			after := newEngine(t, Settings{}, checkpointObjectives()...)
			_, err := after.Restore(tt.data, testNow)
			require.EqualError(t, err, tt.want)
			assert.Equal(t, int64(0), after.Stats().ActiveSeries, "nothing restored")
		})
	}
}

func TestRestoreIntoAnEngineThatAlreadyCounted(t *testing.T) {
	before := newEngine(t, Settings{}, checkpointObjectives()...)
	before.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	after := newEngine(t, Settings{}, checkpointObjectives()...)
	after.ConsumeTraces(context.Background(), traces(testSpan{end: testNow}), testNow, nil)
	report, err := after.Restore(before.Checkpoint(testNow), testNow)
	require.NoError(t, err)
	assert.Equal(t, 0, report.Series)
	assert.Equal(t, []string{
		`objective "routes": 4 series dropped: the objective already counted events before the restore`,
		`objective "avail": 1 series dropped: the objective already counted events before the restore`,
	}, report.Dropped)
}

func TestCheckpointSizeIsSmallForSparseSeries(t *testing.T) {
	e := newEngine(t, Settings{}, checkpointObjectives()...)
	e.ConsumeTraces(context.Background(), checkpointSpans(), testNow, nil)
	// 5 series x 8 windows: empty buckets are not written at all.
	assert.Less(t, len(e.Checkpoint(testNow)), 2048)
}
