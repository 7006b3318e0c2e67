// Package openslo converts OpenSLO v1 documents (SLO, SLI, AlertPolicy,
// AlertCondition, with the AlertNotificationTarget and DataSource documents
// they refer to) into objectives of the slo connector, and writes them as the
// connector's YAML.
//
// Only what spans can measure converts: occurrence counting over a rolling
// window, with SLIs whose metric sources are spans (type otel-spans). Anything
// else is an *Error naming the file, line, document, field and reason; nothing
// that changes what is counted or when an alert fires is dropped. Descriptive
// metadata without an equivalent is listed in the output's comments. See the
// OpenSLO section of the README for the mapping.
package openslo // import "github.com/otelcol-slo/otelcol-slo/internal/openslo"
