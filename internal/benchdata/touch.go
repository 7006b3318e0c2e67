package benchdata

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Touch is the floor every span-evaluating component is measured against:
// it reads exactly the fields the slo engine needs for objectives.Presets and
// does nothing else. Per resource, service.name; per span, the kind; and for
// spans of the objectives' kind (server), the status code, the start and end
// timestamps, http.route (the group_by attribute) and the attributes the
// availability preset reads: http.response.status_code (or else
// http.status_code), rpc.grpc.status_code and rpc.response.status_code. It
// returns a checksum of what it read, so that nothing is optimised away.
func Touch(td ptrace.Traces) uint64 {
	var sum uint64
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		if v, ok := rs.Resource().Attributes().Get("service.name"); ok {
			sum += uint64(len(v.Str()))
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				if span.Kind() != ptrace.SpanKindServer {
					continue
				}
				sum += uint64(span.Status().Code())
				sum += uint64(span.EndTimestamp() - span.StartTimestamp())
				attrs := span.Attributes()
				if v, ok := attrs.Get("http.route"); ok {
					sum += uint64(len(v.Str()))
				}
				code, ok := attrs.Get("http.response.status_code")
				if !ok {
					code, ok = attrs.Get("http.status_code")
				}
				if ok {
					sum += uint64(code.Int())
				}
				sum += touchInt(attrs, "rpc.grpc.status_code")
				sum += touchInt(attrs, "rpc.response.status_code")
			}
		}
	}
	return sum
}

func touchInt(attrs pcommon.Map, key string) uint64 {
	if v, ok := attrs.Get(key); ok {
		return uint64(v.Int())
	}
	return 0
}
