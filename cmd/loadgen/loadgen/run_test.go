package loadgen

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// countingServer is an OTLP trace receiver that counts what reaches it and
// answers with whatever respond returns.
type countingServer struct {
	ptraceotlp.UnimplementedGRPCServer
	requests atomic.Int64
	spans    atomic.Int64
	bad      atomic.Int64
	respond  func(ptrace.Traces) (ptraceotlp.ExportResponse, error)
}

func (s *countingServer) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	td := req.Traces()
	s.requests.Add(1)
	s.spans.Add(int64(td.SpanCount()))
	for _, o := range outcomes(td) {
		if o.bad {
			s.bad.Add(1)
		}
	}
	if s.respond != nil {
		return s.respond(td)
	}
	return ptraceotlp.NewExportResponse(), nil
}

// startServer serves srv on a free loopback port until the test ends.
func startServer(t *testing.T, srv *countingServer) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	return lis.Addr().String()
}

func assertBalanced(t *testing.T, res Result) {
	t.Helper()
	assert.Equal(t, res.Sent, res.Accepted+res.Rejected+res.Errors, "every sent span is accepted, rejected or failed")
	assert.Equal(t, res.Sent, res.Good+res.Bad, "every sent span is good or bad")
}

func TestRunExactCounts(t *testing.T) {
	srv := &countingServer{}
	res, err := Run(t.Context(), Config{
		Endpoint:   startServer(t, srv),
		Spans:      10000,
		BatchSize:  100,
		Workers:    4,
		Services:   []string{"a", "b", "c"},
		ErrorRatio: 0.01,
		Seed:       7,
	})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Equal(t, int64(10000), srv.spans.Load())
	assert.Equal(t, int64(100), srv.requests.Load())
	assert.Equal(t, int64(100), srv.bad.Load())
	assert.Equal(t, int64(10000), res.Sent)
	assert.Equal(t, int64(10000), res.Accepted)
	assert.Zero(t, res.Rejected)
	assert.Zero(t, res.Errors)
	assert.Equal(t, int64(100), res.Bad)
	assert.Equal(t, int64(9900), res.Good)
	assert.Empty(t, res.FirstError)
	assert.Positive(t, res.Elapsed)
}

func TestRunPartialBatch(t *testing.T) {
	srv := &countingServer{}
	res, err := Run(t.Context(), Config{Endpoint: startServer(t, srv), Spans: 1234, BatchSize: 100, Workers: 3})
	require.NoError(t, err)
	assert.Equal(t, int64(1234), srv.spans.Load())
	assert.Equal(t, int64(13), srv.requests.Load())
	assert.Equal(t, int64(1234), res.Accepted)
}

func TestRunPartialSuccess(t *testing.T) {
	srv := &countingServer{respond: func(ptrace.Traces) (ptraceotlp.ExportResponse, error) {
		resp := ptraceotlp.NewExportResponse()
		resp.PartialSuccess().SetRejectedSpans(3)
		resp.PartialSuccess().SetErrorMessage("over quota")
		return resp, nil
	}}
	res, err := Run(t.Context(), Config{Endpoint: startServer(t, srv), Spans: 1000, BatchSize: 100, Workers: 2})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Equal(t, int64(1000), res.Sent)
	assert.Equal(t, int64(30), res.Rejected)
	assert.Equal(t, int64(970), res.Accepted)
	assert.Zero(t, res.Errors)
	assert.Contains(t, res.FirstError, "over quota")
}

func TestRunRejectedClamped(t *testing.T) {
	srv := &countingServer{respond: func(ptrace.Traces) (ptraceotlp.ExportResponse, error) {
		resp := ptraceotlp.NewExportResponse()
		resp.PartialSuccess().SetRejectedSpans(1 << 40)
		return resp, nil
	}}
	res, err := Run(t.Context(), Config{Endpoint: startServer(t, srv), Spans: 250, BatchSize: 100})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Equal(t, int64(250), res.Rejected)
	assert.Zero(t, res.Accepted)
}

func TestRunServerError(t *testing.T) {
	var calls atomic.Int64
	srv := &countingServer{respond: func(ptrace.Traces) (ptraceotlp.ExportResponse, error) {
		// Fail every other request to check failures are counted per batch.
		if calls.Add(1)%2 == 0 {
			return ptraceotlp.NewExportResponse(), status.Error(codes.Unavailable, "overloaded")
		}
		return ptraceotlp.NewExportResponse(), nil
	}}
	res, err := Run(t.Context(), Config{Endpoint: startServer(t, srv), Spans: 1000, BatchSize: 100})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Equal(t, int64(1000), res.Sent)
	assert.Equal(t, int64(500), res.Errors)
	assert.Equal(t, int64(500), res.Accepted)
	assert.Equal(t, int64(10), calls.Load(), "failed exports are not retried")
	assert.Contains(t, res.FirstError, "overloaded")
}

func TestRunUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := lis.Addr().String()
	require.NoError(t, lis.Close())

	res, err := Run(t.Context(), Config{Endpoint: endpoint, Spans: 300, BatchSize: 100, Timeout: 5 * time.Second})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Equal(t, int64(300), res.Sent)
	assert.Equal(t, int64(300), res.Errors)
	assert.Zero(t, res.Accepted)
	assert.NotEmpty(t, res.FirstError)
}

func TestRunPacedBurst(t *testing.T) {
	srv := &countingServer{}
	// At 10,000 spans/s batch k is due at (k+1)*10ms, so batches 9..18 fall
	// in [100ms, 200ms). Scheduled offsets pick the burst, so the count is
	// exact however late the batches actually go out.
	res, err := Run(t.Context(), Config{
		Endpoint:   startServer(t, srv),
		Rate:       10000,
		Spans:      3000,
		BatchSize:  100,
		Workers:    2,
		ErrorRatio: 0,
		Bursts:     []Burst{{Start: 100 * time.Millisecond, Length: 100 * time.Millisecond, ErrorRatio: 1}},
	})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Equal(t, int64(3000), res.Accepted)
	assert.Equal(t, int64(1000), res.Bad)
	assert.Equal(t, int64(1000), srv.bad.Load())
}

func TestRunFullSpeedBurst(t *testing.T) {
	srv := &countingServer{}
	// At full speed the actual offset picks the burst; a burst covering the
	// whole run makes the outcome independent of timing.
	res, err := Run(t.Context(), Config{
		Endpoint:   startServer(t, srv),
		Spans:      500,
		ErrorRatio: 0,
		Bursts:     []Burst{{Start: 0, Length: time.Hour, ErrorRatio: 0.1}},
	})
	require.NoError(t, err)
	assert.Equal(t, int64(50), res.Bad)
	assert.Equal(t, int64(50), srv.bad.Load())
}

func TestRunRateLowerBound(t *testing.T) {
	srv := &countingServer{}
	res, err := Run(t.Context(), Config{Endpoint: startServer(t, srv), Rate: 2000, Spans: 1000, BatchSize: 100})
	require.NoError(t, err)
	assert.Equal(t, int64(1000), res.Accepted)
	// The last batch is due at 1000/2000 s; only the lower bound is stable.
	assert.GreaterOrEqual(t, res.Elapsed, 400*time.Millisecond)
}

func TestRunPacedDurationIsExact(t *testing.T) {
	srv := &countingServer{}
	res, err := Run(t.Context(), Config{Endpoint: startServer(t, srv), Rate: 1000, Duration: 250 * time.Millisecond, BatchSize: 30, Workers: 2})
	require.NoError(t, err)
	assert.Equal(t, int64(250), res.Accepted)
	assert.Equal(t, int64(250), srv.spans.Load())
}

func TestRunFullSpeedDuration(t *testing.T) {
	srv := &countingServer{}
	res, err := Run(t.Context(), Config{Endpoint: startServer(t, srv), Duration: 100 * time.Millisecond, Workers: 2})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Positive(t, res.Sent)
	assert.Equal(t, res.Sent, srv.spans.Load())
	assert.Equal(t, res.Sent, res.Accepted)
}

func TestRunCancelled(t *testing.T) {
	srv := &countingServer{}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := Run(ctx, Config{Endpoint: startServer(t, srv), Spans: 1000})
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, res.Sent)
	assert.Zero(t, srv.spans.Load())
}

func TestRunCancelledUnbounded(t *testing.T) {
	srv := &countingServer{}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	// With no span count and no duration the context is the only way to stop,
	// so its end is not an error, and nothing in flight is lost.
	res, err := Run(ctx, Config{Endpoint: startServer(t, srv), Rate: 5000})
	require.NoError(t, err)
	assertBalanced(t, res)
	assert.Zero(t, res.Errors)
	assert.Equal(t, res.Sent, srv.spans.Load())
}

func TestRunInvalidConfig(t *testing.T) {
	_, err := Run(t.Context(), Config{Spans: 1})
	require.ErrorContains(t, err, "endpoint is empty")
	_, err = Run(t.Context(), Config{Endpoint: "localhost:4317", ErrorRatio: 2})
	require.ErrorContains(t, err, "error ratio")
}

func TestResultString(t *testing.T) {
	res := Result{Sent: 10, Accepted: 7, Rejected: 2, Errors: 1, Good: 9, Bad: 1, Elapsed: 2 * time.Second}
	assert.Equal(t, "sent=10 accepted=7 rejected=2 failed=1 good=9 bad=1 elapsed=2s rate=5.0/s", res.String())
}

func TestRunWaitForReady(t *testing.T) {
	// Reserve a port and leave it closed until Run has started, standing in
	// for a collector that is still starting.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := lis.Addr().String()
	require.NoError(t, lis.Close())

	done := make(chan struct{})
	var res Result
	var runErr error
	go func() {
		defer close(done)
		res, runErr = Run(t.Context(), Config{Endpoint: endpoint, Spans: 500, WaitForReady: true, Timeout: 20 * time.Second})
	}()
	time.Sleep(100 * time.Millisecond)
	lis, err = net.Listen("tcp", endpoint)
	require.NoError(t, err)
	srv := &countingServer{}
	gs := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)

	<-done
	require.NoError(t, runErr)
	assert.Equal(t, int64(500), res.Accepted)
	assert.Equal(t, int64(500), srv.spans.Load())
}
