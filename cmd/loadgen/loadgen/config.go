// Package loadgen generates OTLP server spans with exact, reproducible counts
// and sends them over gRPC. End-to-end tests, benchmarks and the demo share it
// so that "N spans with ratio r bad" means the same thing everywhere.
package loadgen // import "github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"

import (
	"errors"
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Defaults applied to zero-valued Config fields.
const (
	DefaultBatchSize     = 100
	DefaultService       = "loadgen"
	DefaultRoute         = "/"
	DefaultLatencyMedian = 50 * time.Millisecond
	DefaultLatencyP99    = 300 * time.Millisecond
	DefaultTimeout       = 10 * time.Second
)

// Config describes one load generation run. The zero value of every field
// except Endpoint is usable.
type Config struct {
	// Endpoint is the OTLP gRPC host:port; only Run needs it.
	Endpoint string
	// Rate is the target spans per second; 0 sends as fast as possible.
	Rate float64
	// Spans is the total number of spans to send. With Rate and Duration
	// both set the total is capped at round(Rate*Duration) so a paced run is
	// still exact. Spans and Duration both 0 run until the context ends.
	Spans int64
	// Duration bounds the run; at full speed it is a wall-clock deadline.
	Duration time.Duration
	// BatchSize is the number of spans per Export request.
	BatchSize int
	// Workers is the number of concurrent exporters.
	Workers int
	// Services become resource service.name values.
	Services []string
	// Routes become http.route values; "{id}" or ":id" segments are filled
	// with numbers in url.path.
	Routes []string
	// ErrorRatio is the fraction of spans, in [0, 1], that are HTTP 5xx errors.
	ErrorRatio float64
	// Latency is the span duration distribution.
	Latency LatencyConfig
	// Bursts override ErrorRatio for windows of the run.
	Bursts []Burst
	// Seed makes the generated batches reproducible.
	Seed int64
	// Kind is the span kind; unspecified means server, which is what SLOs
	// on request handling are computed from. Attributes stay HTTP server
	// attributes whatever the kind.
	Kind ptrace.SpanKind
	// Timeout bounds each Export RPC.
	Timeout time.Duration
	// WaitForReady makes an Export wait, within Timeout, for the connection
	// instead of failing while the server is still starting. A request that
	// never left the client cannot be counted twice, so this is not a retry.
	WaitForReady bool
	// Now stamps span end times; tests set it to get byte-identical batches.
	// Pacing and Duration always use the real monotonic clock.
	Now func() time.Time
}

// LatencyConfig is either a log-normal distribution fitted to Median and
// P99, or, when Buckets is not empty, a weighted choice among fixed values.
type LatencyConfig struct {
	Median  time.Duration
	P99     time.Duration
	Buckets []LatencyBucket
}

// LatencyBucket is one fixed latency value with a relative weight.
type LatencyBucket struct {
	Value  time.Duration
	Weight float64
}

// Burst replaces the base error ratio for batches scheduled in
// [Start, Start+Length) from the start of the run. When bursts overlap the
// first one listed wins.
type Burst struct {
	Start      time.Duration
	Length     time.Duration
	ErrorRatio float64
}

// Validate reports every setting that cannot produce a run. Endpoint is
// checked by Run only, so a Generator can be used without a server.
func (c Config) Validate() error {
	var errs []error
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		errs = append(errs, fmt.Errorf("rate must be a finite number >= 0, got %v", c.Rate))
	}
	if c.Spans < 0 {
		errs = append(errs, fmt.Errorf("spans must be >= 0, got %d", c.Spans))
	}
	if c.Duration < 0 {
		errs = append(errs, fmt.Errorf("duration must be >= 0, got %s", c.Duration))
	}
	if c.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("batch size must be >= 0, got %d", c.BatchSize))
	}
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers must be >= 0, got %d", c.Workers))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must be >= 0, got %s", c.Timeout))
	}
	if err := validRatio(c.ErrorRatio); err != nil {
		errs = append(errs, fmt.Errorf("error ratio: %w", err))
	}
	for i, s := range c.Services {
		if s == "" {
			errs = append(errs, fmt.Errorf("services[%d] is empty", i))
		}
	}
	for i, r := range c.Routes {
		if r == "" {
			errs = append(errs, fmt.Errorf("routes[%d] is empty", i))
		}
	}
	for i, b := range c.Bursts {
		if b.Start < 0 || b.Length <= 0 {
			errs = append(errs, fmt.Errorf("bursts[%d]: start must be >= 0 and length > 0, got %s and %s", i, b.Start, b.Length))
		}
		if err := validRatio(b.ErrorRatio); err != nil {
			errs = append(errs, fmt.Errorf("bursts[%d] error ratio: %w", i, err))
		}
	}
	if err := c.Latency.validate(); err != nil {
		errs = append(errs, fmt.Errorf("latency: %w", err))
	}
	return errors.Join(errs...)
}

func (l LatencyConfig) validate() error {
	if len(l.Buckets) > 0 {
		var total float64
		for i, b := range l.Buckets {
			if b.Value < 0 || !(b.Weight >= 0) || math.IsInf(b.Weight, 0) {
				return fmt.Errorf("buckets[%d]: value and weight must be >= 0, got %s and %v", i, b.Value, b.Weight)
			}
			total += b.Weight
		}
		if total <= 0 {
			return errors.New("bucket weights sum to 0")
		}
		return nil
	}
	if l.Median < 0 || l.P99 < 0 {
		return fmt.Errorf("median and p99 must be >= 0, got %s and %s", l.Median, l.P99)
	}
	if l.Median > 0 && l.P99 > 0 && l.P99 < l.Median {
		return fmt.Errorf("p99 %s is below median %s", l.P99, l.Median)
	}
	return nil
}

func validRatio(r float64) error {
	// Written so that NaN fails too.
	if !(r >= 0 && r <= 1) {
		return fmt.Errorf("must be in [0, 1], got %v", r)
	}
	return nil
}

// withDefaults returns a copy with zero fields filled in, leaving the
// caller's slices untouched.
func (c Config) withDefaults() Config {
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if len(c.Services) == 0 {
		c.Services = []string{DefaultService}
	}
	if len(c.Routes) == 0 {
		c.Routes = []string{DefaultRoute}
	}
	if len(c.Latency.Buckets) == 0 {
		switch {
		case c.Latency.Median == 0 && c.Latency.P99 == 0:
			c.Latency.Median, c.Latency.P99 = DefaultLatencyMedian, DefaultLatencyP99
		case c.Latency.P99 == 0:
			// A median alone means a fixed latency, not a guessed spread.
			c.Latency.P99 = c.Latency.Median
		case c.Latency.Median == 0:
			c.Latency.Median = c.Latency.P99
		}
	}
	if c.Kind == ptrace.SpanKindUnspecified {
		c.Kind = ptrace.SpanKindServer
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// totalSpans is the exact number of spans the run will generate; bounded is
// false when only a deadline or the context ends the run.
func (c Config) totalSpans() (total int64, bounded bool) {
	total, bounded = c.Spans, c.Spans > 0
	if c.Rate > 0 && c.Duration > 0 {
		paced := int64(math.Round(c.Rate * c.Duration.Seconds()))
		if !bounded || paced < total {
			total, bounded = paced, true
		}
	}
	return total, bounded
}

// errorRatioAt picks the error ratio for a batch scheduled at offset.
func (c Config) errorRatioAt(offset time.Duration) float64 {
	for _, b := range c.Bursts {
		if offset >= b.Start && offset < b.Start+b.Length {
			return b.ErrorRatio
		}
	}
	return c.ErrorRatio
}
