package engine

import (
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// IsAvailabilityFailure is the availability preset, after the OpenTelemetry
// semantic conventions:
//   - span status ERROR is bad;
//   - on server spans, an HTTP status in 500..599 is bad, read from
//     http.response.status_code, or else the older http.status_code;
//   - on any span, a gRPC server-fault code (UNKNOWN, DEADLINE_EXCEEDED,
//     UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS) in rpc.grpc.status_code
//     or rpc.response.status_code is bad, given as a number or as its name.
//
// Everything else, 4xx responses included, is good. A status code of another
// type (a bool, a fractional double) does not match.
func IsAvailabilityFailure(span ptrace.Span) bool {
	if span.Status().Code() == ptrace.StatusCodeError {
		return true
	}
	attrs := span.Attributes()
	if span.Kind() == ptrace.SpanKindServer {
		code, ok := attrs.Get("http.response.status_code")
		if !ok {
			code, ok = attrs.Get("http.status_code")
		}
		if ok {
			if n, isInt := intValue(code); isInt && n >= 500 && n <= 599 {
				return true
			}
		}
	}
	for _, key := range [...]string{"rpc.grpc.status_code", "rpc.response.status_code"} {
		if code, ok := attrs.Get(key); ok && isGRPCServerFault(code) {
			return true
		}
	}
	return false
}

func isGRPCServerFault(v pcommon.Value) bool {
	if n, ok := intValue(v); ok {
		switch n {
		case 2, 4, 12, 13, 14, 15:
			return true
		}
		return false
	}
	if v.Type() != pcommon.ValueTypeStr {
		return false
	}
	switch v.Str() {
	case "UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS":
		return true
	}
	return false
}

// intValue reads an integer status code given as an int, an integral double
// or a decimal string, the forms seen from real instrumentations.
func intValue(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		d := v.Double()
		if d != math.Trunc(d) || math.IsInf(d, 0) || math.Abs(d) > 1<<53 {
			return 0, false
		}
		return int64(d), true
	case pcommon.ValueTypeStr:
		n, err := strconv.ParseInt(v.Str(), 10, 64)
		return n, err == nil
	default:
		return 0, false
	}
}
