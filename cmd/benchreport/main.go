// Command benchreport reads `go test -bench` output on stdin, echoes it, and
// then prints the figures of the issue "Fast enough to sit in every traces
// pipeline": a table per benchmark family, the ratios the targets are written
// in, and PASS or FAIL for each target. `make bench` pipes the benchmarks into
// it. With -count > 1 every figure is the median of its runs.
//
// It exits 1 when the benchmarks themselves failed or a target's benchmark is
// missing, and, with -strict, when a target fails; a missed target alone is
// reported, not fatal, since timings on a shared machine are noisy.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	strict := flag.Bool("strict", false, "exit 1 when a target fails")
	quiet := flag.Bool("quiet", false, "do not echo the input")
	flag.Parse()
	var echo io.Writer = os.Stdout
	if *quiet {
		echo = io.Discard
	}
	results, failed, err := parse(os.Stdin, echo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	ok := report(os.Stdout, results)
	switch {
	case failed:
		fmt.Println("\nbenchreport: the benchmarks failed (see FAIL above)")
		os.Exit(1)
	case !ok.complete:
		fmt.Println("\nbenchreport: a target's benchmark is missing from the input")
		os.Exit(1)
	case *strict && !ok.allPass:
		os.Exit(1)
	}
}

// results maps a benchmark name (without the -GOMAXPROCS suffix) to its
// metrics, each with one value per run.
type results map[string]map[string][]float64

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+(\d+)\s+(.*)$`)
	procs     = regexp.MustCompile(`-\d+$`)
)

func parse(r io.Reader, echo io.Writer) (results, bool, error) {
	out := results{}
	failed := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(echo, line)
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:") {
			failed = true
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := procs.ReplaceAllString(m[1], "")
		fields := strings.Fields(m[3])
		if out[name] == nil {
			out[name] = map[string][]float64{}
		}
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			out[name][fields[i+1]] = append(out[name][fields[i+1]], v)
		}
	}
	return out, failed, sc.Err()
}

// get returns the median of a metric, and whether it is there.
func (r results) get(name, unit string) (float64, bool) {
	values := r[name][unit]
	if len(values) == 0 {
		return 0, false
	}
	sorted := slices.Sorted(slices.Values(values))
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2], true
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2, true
}

func (r results) names(prefix string) []string {
	var names []string
	for name := range r {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return compareNatural(a, b) })
	return names
}

// compareNatural orders "series=1000" before "series=10000" before
// "series=100000", and keeps the rest alphabetical.
func compareNatural(a, b string) int {
	na, nb := trailingNumber(a), trailingNumber(b)
	if na >= 0 && nb >= 0 && strings.TrimRight(a, "0123456789") == strings.TrimRight(b, "0123456789") {
		return na - nb
	}
	return strings.Compare(a, b)
}

func trailingNumber(s string) int {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil {
		return -1
	}
	return n
}

type outcome struct{ complete, allPass bool }

const (
	floor       = "BenchmarkConsumeTraces/floor"
	presets     = "BenchmarkConsumeTraces/slo_presets"
	ottl        = "BenchmarkConsumeTraces/slo_ottl"
	spanmetrics = "BenchmarkConsumeTraces/spanmetrics"
	flush10k    = "BenchmarkFlush/series=10000"
)

func report(w io.Writer, r results) outcome {
	fmt.Fprintln(w, "\n== Per span (one core; the spans of internal/benchdata)")
	fmt.Fprintf(w, "%-52s %10s %12s %12s %10s %10s\n", "benchmark", "ns/span", "spans/s", "allocs/span", "B/span", "B/series")
	for _, prefix := range []string{"BenchmarkConsumeTraces/", "BenchmarkEngine/", "BenchmarkObjectives/", "BenchmarkSeries/"} {
		for _, name := range r.names(prefix) {
			ns, ok := r.get(name, "ns/span")
			if !ok {
				continue
			}
			rate, _ := r.get(name, "spans/s")
			allocs, _ := r.get(name, "allocs/span")
			bytes, _ := r.get(name, "B/span")
			perSeries := "-"
			if v, ok := r.get(name, "B/series"); ok {
				perSeries = fmt.Sprintf("%.0f", v)
			}
			fmt.Fprintf(w, "%-52s %10.1f %12.0f %12.4f %10.2f %10s\n", strings.TrimPrefix(name, "Benchmark"), ns, rate, allocs, bytes, perSeries)
		}
	}
	if names := r.names("BenchmarkFlush/"); len(names) > 0 {
		fmt.Fprintln(w, "\n== Flush (engine.Snapshot + slometrics.Build)")
		fmt.Fprintf(w, "%-52s %10s %12s %12s %10s\n", "benchmark", "ms/flush", "ms/snapshot", "ns/series", "points")
		for _, name := range names {
			ms, _ := r.get(name, "ms/flush")
			snapshot, _ := r.get(name, "ms/snapshot")
			perSeries, _ := r.get(name, "ns/series")
			points, _ := r.get(name, "points")
			fmt.Fprintf(w, "%-52s %10.2f %12.2f %12.0f %10.0f\n", strings.TrimPrefix(name, "Benchmark"), ms, snapshot, perSeries, points)
		}
	}

	fmt.Fprintln(w, "\n== Targets (ratios of figures from this one run)")
	res := outcome{complete: true, allPass: true}
	check := func(target, detail string, ok, pass bool) {
		status := "PASS"
		switch {
		case !ok:
			status, res.complete = "MISSING", false
		case !pass:
			status = "FAIL"
		}
		if status != "PASS" {
			res.allPass = false
		}
		fmt.Fprintf(w, "%-7s %-52s %s\n", status, target, detail)
	}
	ratio := func(num, den string) (float64, bool) {
		a, ok1 := r.get(num, "ns/span")
		b, ok2 := r.get(den, "ns/span")
		if !ok1 || !ok2 || b == 0 {
			return 0, false
		}
		return a / b, true
	}
	v, ok := ratio(spanmetrics, presets)
	check("presets >= 10x spanmetrics throughput", fmt.Sprintf("%.2fx (target 10x)", v), ok, v >= 10)
	v, ok = ratio(presets, floor)
	check("presets within 2x the touch-only floor", fmt.Sprintf("%.2fx the floor's time (target <= 2x)", v), ok, v <= 2)
	v, ok = ratio(spanmetrics, ottl)
	check("OTTL variant >= 2x spanmetrics throughput", fmt.Sprintf("%.2fx (target 2x)", v), ok, v >= 2)
	// The layout's clock cache allocates once per finest bucket (5 s), not
	// per span: anything below one allocation per thousand spans is zero per
	// span; TestPresetConnectorAllocatesNothingPerSpan asserts it exactly.
	v, ok = r.get(presets, "allocs/span")
	check("zero allocations per span (presets, steady state)", fmt.Sprintf("%.6f allocs/span", v), ok, v < 0.001)
	worst, okSeries := 0.0, false
	for _, name := range r.names("BenchmarkSeries/") {
		if v, ok := r.get(name, "B/series"); ok {
			worst, okSeries = max(worst, v), true
		}
	}
	check("<= 16 KiB per series (default windows, 30d)", fmt.Sprintf("%.0f B at most (target 16384)", worst), okSeries, worst <= 16*1024)
	v, ok = r.get(flush10k, "ms/flush")
	snapshot, _ := r.get(flush10k, "ms/snapshot")
	check("flush of 10,000 series < 50 ms", fmt.Sprintf("%.1f ms, of which engine.Snapshot %.1f ms", v, snapshot), ok, v < 50)
	return res
}
