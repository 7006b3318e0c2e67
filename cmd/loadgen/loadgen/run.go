package loadgen // import "github.com/otelcol-slo/otelcol-slo/cmd/loadgen/loadgen"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Result accounts for every generated span: Sent = Accepted + Rejected +
// Errors, and Sent = Good + Bad.
type Result struct {
	// Sent counts spans whose Export RPC was attempted.
	Sent int64 `json:"sent"`
	// Accepted counts spans the server acknowledged: the RPC returned OK
	// and the spans were not listed as rejected in its partial success.
	Accepted int64 `json:"accepted"`
	// Rejected counts spans a server reported in partial_success.rejected_spans.
	Rejected int64 `json:"rejected"`
	// Errors counts spans whose Export RPC failed; the server may or may not
	// have kept them. The command line calls these "failed".
	Errors int64 `json:"failed"`
	// Good and Bad split Sent by generated outcome (bad = HTTP 5xx).
	Good int64 `json:"good"`
	Bad  int64 `json:"bad"`
	// Elapsed runs from the start of the run until the last RPC returned.
	Elapsed time.Duration `json:"elapsed_ns"`
	// FirstError describes the first failed or partially rejected export,
	// so a non-zero Errors or Rejected is explainable.
	FirstError string `json:"first_error,omitempty"`
}

// Rate is the achieved send rate in spans per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Elapsed.Seconds()
}

// String is the one-line summary the command prints.
func (r Result) String() string {
	return fmt.Sprintf("sent=%d accepted=%d rejected=%d failed=%d good=%d bad=%d elapsed=%s rate=%.1f/s",
		r.Sent, r.Accepted, r.Rejected, r.Errors, r.Good, r.Bad, r.Elapsed.Round(time.Millisecond), r.Rate())
}

// Run sends the spans cfg describes to cfg.Endpoint and reports what became
// of them. Failed exports are counted, never retried, so the counts match what
// the server saw. Cancelling ctx stops new batches; RPCs in flight still
// finish (bounded by cfg.Timeout) so their spans are accounted for. The error
// is non-nil for an unusable config, or when ctx ended a run that had a fixed
// span count before all spans were sent.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Endpoint == "" {
		return Result{}, errors.New("invalid loadgen config: endpoint is empty")
	}
	gen, err := NewGenerator(cfg)
	if err != nil {
		return Result{}, err
	}
	conn, err := grpc.NewClient(cfg.Endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// A retried Export could double count spans on the server.
		grpc.WithDisableRetry(),
	)
	if err != nil {
		return Result{}, fmt.Errorf("creating gRPC client for %q: %w", cfg.Endpoint, err)
	}
	defer conn.Close()

	r := &runner{gen: gen, cfg: gen.cfg, client: ptraceotlp.NewGRPCClient(conn)}
	res := r.run(ctx)
	if total, bounded := gen.Total(); bounded && res.Sent < total && ctx.Err() != nil {
		return res, fmt.Errorf("run stopped after %d of %d spans: %w", res.Sent, total, ctx.Err())
	}
	return res, nil
}

// runner holds the state of one Run; counters are atomics because every
// worker updates them.
type runner struct {
	gen    *Generator
	cfg    Config
	client ptraceotlp.GRPCClient

	start  time.Time
	next   atomic.Int64
	sent   atomic.Int64
	acc    atomic.Int64
	rej    atomic.Int64
	failed atomic.Int64
	good   atomic.Int64
	bad    atomic.Int64

	firstErrOnce sync.Once
	firstErr     string
}

func (r *runner) run(ctx context.Context) Result {
	r.start = time.Now()
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() { r.work(ctx) })
	}
	wg.Wait()
	return Result{
		Sent:       r.sent.Load(),
		Accepted:   r.acc.Load(),
		Rejected:   r.rej.Load(),
		Errors:     r.failed.Load(),
		Good:       r.good.Load(),
		Bad:        r.bad.Load(),
		Elapsed:    time.Since(r.start),
		FirstError: r.firstErr,
	}
}

func (r *runner) work(ctx context.Context) {
	size := int64(r.cfg.BatchSize)
	total, bounded := r.gen.Total()
	for ctx.Err() == nil {
		var offset time.Duration
		if r.cfg.Rate == 0 {
			offset = time.Since(r.start)
			if r.cfg.Duration > 0 && offset >= r.cfg.Duration {
				return
			}
		}
		index := r.next.Add(1) - 1
		lo := index * size
		if bounded && lo >= total {
			return
		}
		if r.cfg.Rate > 0 {
			hi := lo + size
			if bounded {
				hi = min(hi, total)
			}
			// Each batch is due when the schedule reaches its last span,
			// measured from the start of the run rather than from the previous
			// batch, so sleep overshoot never accumulates and a run that fell
			// behind catches up. The scheduled offset, not the actual one,
			// picks the burst, which keeps paced runs reproducible.
			offset = time.Duration(float64(hi) / r.cfg.Rate * float64(time.Second))
			if !sleepUntil(ctx, r.start.Add(offset)) {
				return
			}
		}
		r.export(ctx, index, offset)
	}
}

func (r *runner) export(ctx context.Context, index int64, offset time.Duration) {
	td, good, bad := r.gen.build(index, offset)
	n := good + bad
	r.sent.Add(n)
	r.good.Add(good)
	r.bad.Add(bad)

	// Detached from ctx so that stopping the run does not turn batches that
	// are already on the wire into failures of unknown fate.
	rpcCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
	defer cancel()
	resp, err := r.client.Export(rpcCtx, ptraceotlp.NewExportRequestFromTraces(td), grpc.WaitForReady(r.cfg.WaitForReady))
	if err != nil {
		r.failed.Add(n)
		r.noteError(fmt.Sprintf("export of batch %d (%d spans) failed: %v", index, n, err))
		return
	}
	ps := resp.PartialSuccess()
	// Clamped so that a misbehaving server cannot break Sent = Accepted +
	// Rejected + Errors.
	rejected := min(max(ps.RejectedSpans(), 0), n)
	r.rej.Add(rejected)
	r.acc.Add(n - rejected)
	if rejected > 0 || ps.ErrorMessage() != "" {
		r.noteError(fmt.Sprintf("export of batch %d (%d spans): server rejected %d: %s", index, n, ps.RejectedSpans(), ps.ErrorMessage()))
	}
}

func (r *runner) noteError(msg string) {
	r.firstErrOnce.Do(func() { r.firstErr = msg })
}

// sleepUntil waits for the deadline and reports false if ctx ended first.
func sleepUntil(ctx context.Context, deadline time.Time) bool {
	d := time.Until(deadline)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
