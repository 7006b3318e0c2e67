package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func parseFixture(t *testing.T) []*Series {
	t.Helper()
	f, err := os.Open("testdata/scrape.txt")
	require.NoError(t, err)
	defer f.Close()
	series, err := Parse(f)
	require.NoError(t, err)
	return series
}

// The fixture has a firing page, an overspent budget, a healthy objective
// with an exhaustion estimate, windows absent from one objective, and a
// grouped series with no events in any window.
func TestRenderFixedScrape(t *testing.T) {
	var out strings.Builder
	require.NoError(t, Render(&out, parseFixture(t)))
	want := `demo-availability  service=demo  target 99%  events 16488 good, 4512 bad
  window       5m      1h     30d
  SLI      50.00%  78.51%  78.51%
  burn      50.00   21.49   21.49
  budget  -2048.6% left (overspent)
  firing  page/sev1, page/sev2

demo-latency  service=demo  target 95%  events 20769 good, 231 bad
  window       1h     30d
  SLI      98.90%  98.90%
  burn       0.22    0.22
  budget  78.0% left, gone in 106.4d at the 1h burn rate
  firing  none

shop-availability{http_route=/cart}  service=shop  target 99.9%  events 0 good, 0 bad
  window  no events in any window
  budget  100.0% left, not burning
  firing  - (no alert tiers)
`
	require.Equal(t, want, out.String())
}

func TestRenderNoSeries(t *testing.T) {
	var out strings.Builder
	require.NoError(t, Render(&out, nil))
	require.Contains(t, out.String(), "no SLO series yet")
}

func TestWindowsSortByLength(t *testing.T) {
	ws := []string{"30d", "1d", "5m", "2h", "30m", "3d", "1h", "6h", "odd"}
	sortWindows(ws)
	require.Equal(t, []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d", "odd"}, ws)
}

func TestChangesReportFiringAndClearing(t *testing.T) {
	c := newChanges()
	series := parseFixture(t)
	// Tiers firing on the first scrape are reported; quiet ones are not.
	require.Equal(t, []string{
		"1:25  FIRED   page/sev1 demo-availability",
		"1:25  FIRED   page/sev2 demo-availability",
	}, c.update(85*time.Second, series))
	require.Empty(t, c.update(90*time.Second, series))

	series[0].Alerts[0].Firing = false
	require.Equal(t, []string{"2:40  cleared page/sev1 demo-availability"}, c.update(160*time.Second, series))
	require.Len(t, c.recent(8), 3)
	require.Equal(t, []string{"2:40  cleared page/sev1 demo-availability"}, c.recent(1))
}
