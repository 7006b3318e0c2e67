// Command loadgen sends OTLP/gRPC server spans with exact counts and a chosen
// error ratio, latency distribution and error bursts, then prints what the
// server accepted. See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"
)

// Exit codes: 1 means the run completed but not every span was accepted,
// 2 means the run could not be set up or was cut short.
const (
	exitNotAccepted = 1
	exitUsage       = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, asJSON, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return exitUsage
	}

	res, runErr := loadgen.Run(ctx, cfg)
	// The counts are printed even for an interrupted run: they are still
	// exact for what was sent.
	if asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "loadgen: writing result: %v\n", err)
			return exitUsage
		}
	} else {
		fmt.Fprintln(stdout, res)
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", runErr)
		return exitUsage
	}
	if res.Errors > 0 || res.Rejected > 0 {
		fmt.Fprintf(stderr, "loadgen: %d spans failed and %d were rejected; first: %s\n", res.Errors, res.Rejected, res.FirstError)
		return exitNotAccepted
	}
	return 0
}

func parseFlags(args []string, output io.Writer) (cfg loadgen.Config, asJSON bool, err error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(output)
	var (
		services, routes, kind string
		bursts                 burstsFlag
	)
	fs.StringVar(&cfg.Endpoint, "endpoint", "localhost:4317", "OTLP gRPC endpoint, host:port")
	fs.Float64Var(&cfg.Rate, "rate", 0, "spans per second; 0 sends as fast as possible")
	fs.Int64Var(&cfg.Spans, "spans", 0, "total spans to send; 0 with -duration 0 runs until interrupted")
	fs.DurationVar(&cfg.Duration, "duration", 0, "run length; with -rate the run holds exactly rate*duration spans")
	fs.IntVar(&cfg.BatchSize, "batch", loadgen.DefaultBatchSize, "spans per Export request")
	fs.IntVar(&cfg.Workers, "workers", 1, "concurrent exporters")
	fs.StringVar(&services, "services", loadgen.DefaultService, "comma-separated service.name values")
	fs.StringVar(&routes, "routes", loadgen.DefaultRoute, "comma-separated http.route values; {id} or :id segments are filled in url.path")
	fs.Float64Var(&cfg.ErrorRatio, "error-ratio", 0, "fraction of spans that are HTTP 5xx errors, in [0, 1]")
	fs.DurationVar(&cfg.Latency.Median, "latency-median", loadgen.DefaultLatencyMedian, "median span duration")
	fs.DurationVar(&cfg.Latency.P99, "latency-p99", loadgen.DefaultLatencyP99, "99th percentile span duration (log-normal fit)")
	fs.Var(&bursts, "burst", "start:length:error-ratio, e.g. 60s:30s:0.5, offsets from the run start; repeatable")
	fs.StringVar(&kind, "kind", "server", "span kind: server, client, internal, producer or consumer")
	fs.DurationVar(&cfg.Timeout, "timeout", loadgen.DefaultTimeout, "timeout of each Export RPC")
	fs.BoolVar(&cfg.WaitForReady, "wait-for-ready", false, "let each export wait, within -timeout, for the server to come up instead of failing")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed for reproducible batches")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON instead of a summary line")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	cfg.Services = splitList(services)
	cfg.Routes = splitList(routes)
	cfg.Bursts = bursts
	if cfg.Kind, err = parseKind(kind); err != nil {
		return cfg, false, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, false, err
	}
	return cfg, asJSON, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func parseKind(s string) (ptrace.SpanKind, error) {
	switch strings.ToLower(s) {
	case "server":
		return ptrace.SpanKindServer, nil
	case "client":
		return ptrace.SpanKindClient, nil
	case "internal":
		return ptrace.SpanKindInternal, nil
	case "producer":
		return ptrace.SpanKindProducer, nil
	case "consumer":
		return ptrace.SpanKindConsumer, nil
	}
	return ptrace.SpanKindUnspecified, fmt.Errorf("invalid -kind %q: want server, client, internal, producer or consumer", s)
}

// burstsFlag collects repeated -burst flags.
type burstsFlag []loadgen.Burst

func (b *burstsFlag) String() string {
	parts := make([]string, 0, len(*b))
	for _, burst := range *b {
		parts = append(parts, fmt.Sprintf("%s:%s:%v", burst.Start, burst.Length, burst.ErrorRatio))
	}
	return strings.Join(parts, ",")
}

func (b *burstsFlag) Set(s string) error {
	burst, err := parseBurst(s)
	if err != nil {
		return err
	}
	*b = append(*b, burst)
	return nil
}

func parseBurst(s string) (loadgen.Burst, error) {
	fields := strings.Split(s, ":")
	if len(fields) != 3 {
		return loadgen.Burst{}, fmt.Errorf("invalid burst %q: want start:length:error-ratio", s)
	}
	start, err := time.ParseDuration(fields[0])
	if err != nil {
		return loadgen.Burst{}, fmt.Errorf("invalid burst %q start: %w", s, err)
	}
	length, err := time.ParseDuration(fields[1])
	if err != nil {
		return loadgen.Burst{}, fmt.Errorf("invalid burst %q length: %w", s, err)
	}
	ratio, err := strconv.ParseFloat(fields[2], 64)
	if err != nil {
		return loadgen.Burst{}, fmt.Errorf("invalid burst %q error ratio: %w", s, err)
	}
	return loadgen.Burst{Start: start, Length: length, ErrorRatio: ratio}, nil
}
