package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestAvailabilityPreset(t *testing.T) {
	server, client, internal := ptrace.SpanKindServer, ptrace.SpanKindClient, ptrace.SpanKindInternal
	tests := []struct {
		name   string
		kind   ptrace.SpanKind
		status ptrace.StatusCode
		attrs  map[string]any
		bad    bool
	}{
		{"unset status, no attributes", server, ptrace.StatusCodeUnset, nil, false},
		{"ok status", server, ptrace.StatusCodeOk, nil, false},
		{"error status", server, ptrace.StatusCodeError, nil, true},
		{"error status on a client span", client, ptrace.StatusCodeError, nil, true},
		{"http 200", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(200)}, false},
		{"http 404 is the caller's fault", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(404)}, false},
		{"http 499", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(499)}, false},
		{"http 500", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(500)}, true},
		{"http 503", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(503)}, true},
		{"http 599", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(599)}, true},
		{"http 600 is no status", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(600)}, false},
		{"old http.status_code 502", server, ptrace.StatusCodeUnset, map[string]any{"http.status_code": int64(502)}, true},
		{"new attribute wins over the old one", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(200), "http.status_code": int64(500)}, false},
		{"5xx as a string", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": "503"}, true},
		{"5xx as a double", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": 503.0}, true},
		{"fractional double is no status", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": 503.5}, false},
		{"non-numeric string is no status", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": "oops"}, false},
		{"bool is no status", server, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": true}, false},
		{"5xx on a client span is judged by its status", client, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(503)}, false},
		{"5xx on an internal span", internal, ptrace.StatusCodeUnset, map[string]any{"http.response.status_code": int64(503)}, false},
		{"grpc OK", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(0)}, false},
		{"grpc CANCELLED", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(1)}, false},
		{"grpc UNKNOWN", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(2)}, true},
		{"grpc INVALID_ARGUMENT", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(3)}, false},
		{"grpc DEADLINE_EXCEEDED", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(4)}, true},
		{"grpc NOT_FOUND", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(5)}, false},
		{"grpc PERMISSION_DENIED", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(7)}, false},
		{"grpc RESOURCE_EXHAUSTED", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(8)}, false},
		{"grpc UNIMPLEMENTED", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(12)}, true},
		{"grpc INTERNAL", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(13)}, true},
		{"grpc UNAVAILABLE", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(14)}, true},
		{"grpc DATA_LOSS", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(15)}, true},
		{"grpc UNAUTHENTICATED", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(16)}, false},
		{"grpc code on a client span", client, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": int64(14)}, true},
		{"grpc code as a string", server, ptrace.StatusCodeUnset, map[string]any{"rpc.grpc.status_code": "13"}, true},
		{"rpc.response.status_code by name", server, ptrace.StatusCodeUnset, map[string]any{"rpc.response.status_code": "UNAVAILABLE"}, true},
		{"rpc.response.status_code DATA_LOSS", server, ptrace.StatusCodeUnset, map[string]any{"rpc.response.status_code": "DATA_LOSS"}, true},
		{"rpc.response.status_code NOT_FOUND", server, ptrace.StatusCodeUnset, map[string]any{"rpc.response.status_code": "NOT_FOUND"}, false},
		{"rpc.response.status_code OK", server, ptrace.StatusCodeUnset, map[string]any{"rpc.response.status_code": "OK"}, false},
		{"rpc.response.status_code number", server, ptrace.StatusCodeUnset, map[string]any{"rpc.response.status_code": int64(4)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			span := ptrace.NewSpan()
			span.SetKind(tt.kind)
			span.Status().SetCode(tt.status)
			assert.NoError(t, span.Attributes().FromRaw(tt.attrs))
			assert.Equal(t, tt.bad, IsAvailabilityFailure(span))
		})
	}
}

func TestIntValue(t *testing.T) {
	tests := []struct {
		v    pcommon.Value
		want int64
		ok   bool
	}{
		{pcommon.NewValueInt(503), 503, true},
		{pcommon.NewValueDouble(503), 503, true},
		{pcommon.NewValueDouble(1e300), 0, false},
		{pcommon.NewValueStr("200"), 200, true},
		{pcommon.NewValueStr(" 200"), 0, false},
		{pcommon.NewValueBool(true), 0, false},
		{pcommon.NewValueEmpty(), 0, false},
	}
	for _, tt := range tests {
		got, ok := intValue(tt.v)
		assert.Equal(t, tt.ok, ok, tt.v.AsString())
		assert.Equal(t, tt.want, got, tt.v.AsString())
	}
}
