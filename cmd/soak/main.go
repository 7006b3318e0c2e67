// Command soak runs the otelcol-slo distribution under a steady load for a
// while, samples its memory every second, and checks at the end that the
// collector counted exactly the spans it accepted ("nothing lost"). It exits
// 1 when any count differs. `make soak` runs it; it is not part of CI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"
)

type options struct {
	binary string
	keep   bool
	load   loadgen.Config
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	dir, err := os.MkdirTemp("", "otelcol-slo-soak-")
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	p, err := pickPorts()
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	col, err := startCollector(opts.binary, dir, p)
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 2
	}
	start := time.Now()
	mem := startSampler(col.pid(), start)
	fmt.Fprintf(stdout, "soak: collector pid %d, OTLP %s, config and log in %s\n", col.pid(), p.otlpEndpoint(), dir)
	fmt.Fprintf(stdout, "soak: %s at %.0f spans/s over %s x %s\n", opts.load.Duration, opts.load.Rate,
		strings.Join(opts.load.Services, ","), strings.Join(opts.load.Routes, ","))

	client := &http.Client{Timeout: 5 * time.Second}
	opts.load.Endpoint = p.otlpEndpoint()
	progressDone := make(chan struct{})
	var progressed sync.WaitGroup
	progressed.Go(func() { progress(stdout, client, p, mem, start, progressEvery(opts.load.Duration), progressDone) })

	r := report{cfg: opts.load}
	r.load, r.loadErr = loadgen.Run(ctx, opts.load)
	r.interrupted = ctx.Err() != nil
	close(progressDone)
	progressed.Wait()
	loadEnd := time.Since(start)
	fmt.Fprintf(stdout, "soak: load done after %s; waiting for the final flush\n", loadEnd.Round(time.Millisecond))
	r.counts, r.scrapeErr = finalCounts(client, p, r.load.Accepted)

	mem.stop()
	r.mem = mem.summary(loadEnd / 2)
	if !col.running() {
		r.stopErr = fmt.Errorf("exited during the soak (%v); log: %s", col.err, col.log)
	} else if err := col.stop(); err != nil {
		r.stopErr = fmt.Errorf("did not stop cleanly: %v; log: %s", err, col.log)
	}
	r.write(stdout)

	if len(r.problems()) > 0 {
		fmt.Fprintf(stdout, "soak: config and log kept in %s\n", dir)
		return 1
	}
	if !opts.keep {
		os.RemoveAll(dir)
	}
	return 0
}

func parseFlags(args []string, output io.Writer) (options, error) {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(output)
	o := options{load: loadgen.Config{Timeout: 30 * time.Second}}
	defaultDuration := 10 * time.Minute
	if env := os.Getenv("SOAK_DURATION"); env != "" {
		d, err := time.ParseDuration(env)
		if err != nil {
			return o, fmt.Errorf("SOAK_DURATION: %w", err)
		}
		defaultDuration = d
	}
	var services, routes string
	fs.StringVar(&o.binary, "binary", "_build/otelcol-slo/otelcol-slo", "the otelcol-slo distribution")
	fs.DurationVar(&o.load.Duration, "duration", defaultDuration, "how long to send load (default $SOAK_DURATION, else 10m)")
	fs.Float64Var(&o.load.Rate, "rate", 2000, "spans per second")
	fs.IntVar(&o.load.Workers, "workers", 2, "concurrent exporters")
	fs.StringVar(&services, "services", "soak-checkout,soak-cart,soak-search", "comma-separated service.name values")
	fs.StringVar(&routes, "routes", "/cart,/orders/{id},/search,/users/{id}", "comma-separated http.route values")
	fs.Float64Var(&o.load.ErrorRatio, "error-ratio", 0.01, "fraction of spans that are HTTP 5xx errors")
	fs.BoolVar(&o.keep, "keep", false, "keep the configuration and the collector log after a passing run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.load.Duration <= 0 || o.load.Rate <= 0 {
		// An unbounded soak would never reach the count check.
		return o, fmt.Errorf("-duration and -rate must be positive, got %s and %v", o.load.Duration, o.load.Rate)
	}
	o.load.Services = strings.Split(services, ",")
	o.load.Routes = strings.Split(routes, ",")
	if _, err := os.Stat(o.binary); err != nil {
		return o, fmt.Errorf("the distribution is not built at %s (run `make soak`, which builds it): %w", o.binary, err)
	}
	return o, o.load.Validate()
}

// progress prints a line every interval so that a long soak shows it is
// alive and whether memory is settling.
func progress(w io.Writer, client *http.Client, p ports, mem *sampler, start time.Time, every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		evaluated := "?"
		if tel, err := scrape(client, p.telemetryURL()); err == nil {
			evaluated = fmt.Sprintf("%.0f", sum(tel["otelcol_slo_spans_evaluated"]))
		}
		fmt.Fprintf(w, "  %8s  VmRSS %s  spans evaluated %s\n", time.Since(start).Round(time.Second), mib(mem.current()), evaluated)
	}
}

// finalCounts waits for the flush that follows the last accepted span, then
// for one more flush, so that a late or double count would still show.
func finalCounts(client *http.Client, p ports, accepted int64) (counts, error) {
	want := float64(accepted)
	deadline := time.Now().Add(5*flushInterval + 10*time.Second)
	for time.Now().Before(deadline) {
		c, err := scrapeCounts(client, p)
		if err == nil && c.evaluated == want &&
			c.events[availabilityObjective].total() == want && c.events[latencyObjective].total() == want {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(flushInterval + 500*time.Millisecond)
	return scrapeCounts(client, p)
}
