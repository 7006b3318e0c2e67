#!/usr/bin/env bash
# make demo: a collector on examples/quickstart.yaml, a steady load with one
# error burst, and a table of the SLOs every few seconds, so that anyone can
# watch a budget burn and a page fire and clear. Run it through `make demo`,
# which builds the distribution first; this script builds only the two small
# helper commands.
#
# Environment (defaults in brackets):
#   DEMO_DURATION     how long to watch, and to send load [6m]
#   DEMO_RATE         spans per second [200]
#   DEMO_ERROR_RATIO  baseline error ratio [0.001]
#   DEMO_BURST        start:length:error-ratio of the burst [60s:45s:0.5]
#   DEMO_INTERVAL     time between tables [5s]
#   DIST              the distribution [_build/otelcol-slo/otelcol-slo]
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
DIST=${DIST:-_build/otelcol-slo/otelcol-slo}
CONFIG=examples/quickstart.yaml
DEMO_DURATION=${DEMO_DURATION:-6m}
DEMO_RATE=${DEMO_RATE:-200}
DEMO_ERROR_RATIO=${DEMO_ERROR_RATIO:-0.001}
DEMO_BURST=${DEMO_BURST:-60s:45s:0.5}
DEMO_INTERVAL=${DEMO_INTERVAL:-5s}
BIN=_build/bin

die() { echo "demo: $*" >&2; exit 1; }

# seconds turns a Go-style duration made of h, m and s parts (90s, 1m30s, 6m)
# into whole seconds, for the schedule arithmetic below.
seconds() {
	awk -v d="$1" 'BEGIN {
		s = 0; rest = d
		while (match(rest, /^[0-9.]+[hms]/)) {
			part = substr(rest, 1, RLENGTH); unit = substr(part, RLENGTH, 1); n = substr(part, 1, RLENGTH - 1) + 0
			s += n * (unit == "h" ? 3600 : unit == "m" ? 60 : 1)
			rest = substr(rest, RLENGTH + 1)
		}
		if (rest != "" || d == "") { exit 1 }
		printf "%d\n", s
	}' || die "cannot read duration \"$1\" (use h, m and s, e.g. 90s or 1m30s)"
}

# header explains the numbers and predicts when each workbook tier fires and
# clears, by replaying the schedule second by second with the connector's
# arithmetic: burn = (bad / total) / (1 - 0.99) over each window, where a
# window of a just-started collector holds only the seconds since the start.
header() {
	awk -v D="$duration_s" -v B="$start_s" -v L="$length_s" -v r="$burst_ratio" \
		-v e="$DEMO_ERROR_RATIO" -v rate="$DEMO_RATE" -v flush=5 '
	function clock(t) { return t < 3600 ? sprintf("%d:%02d", int(t / 60), t % 60) : sprintf("%d:%02d:%02d", int(t / 3600), int(t / 60) % 60, t % 60) }
	function pct(x) { s = sprintf("%.2f", x * 100); sub(/\.?0+$/, "", s); return s "%" }
	function burn(t, w,   lo) { lo = t > w ? t - w : 0; return (bad[t] - bad[lo]) / (t - lo) / budget }
	BEGIN {
		budget = 0.01
		split("page/sev1 page/sev2 ticket/sev3 ticket/sev4", tier, " ")
		split("3600 21600 86400 259200", long, " "); split("300 1800 7200 21600", short, " ")
		split("1h 6h 1d 3d", longName, " "); split("5m 30m 2h 6h", shortName, " ")
		split("14.4 6 3 1", threshold, " ")
		horizon = D + 3 * 3600
		bad[0] = 0
		for (t = 1; t <= horizon; t++) bad[t] = bad[t - 1] + ((t - 1 >= B && t - 1 < B + L) ? r : e)
		end = B + L
		printf "otelcol-slo demo: %s spans/s of service demo for %s with %s errors, and %s errors\n", rate, clock(D), pct(e), pct(r)
		printf "  from %s to %s. Collector on examples/quickstart.yaml; Ctrl-C stops everything.\n", clock(B), clock(end)
		printf "demo-availability is 99%% over 30d: the budget is 1%% of events, so burn = error ratio / 1%%:\n"
		printf "  %.2f at the baseline, %.2f in the burst. The collector has just started, so every window\n", e / budget, r / budget
		printf "  holds only the demo'"'"'s own spans: 5m and 1h hold the same ones until 5:00, 1h and 30d all along.\n"
		printf "Predicted from this schedule (the tables lag by up to one %ds flush):\n", flush
		for (i = 1; i <= 4; i++) {
			on = 0; off = 0
			for (t = 1; t <= horizon && !off; t++) {
				f = burn(t, long[i]) > threshold[i] && burn(t, short[i]) > threshold[i]
				if (f && !on) on = t
				if (!f && on) off = t
			}
			if (i == 1) { sev1off = off; diluted = off && burn(off, long[1]) <= threshold[1] }
			when = on ? "fires " clock(on) : "does not fire"
			if (on) when = when (off ? ", clears " clock(off) : ", stays on for hours") (off > D || !off ? " (after the demo)" : "")
			printf "  %-12s above %-4s over %s and %-3s  %s\n", tier[i], threshold[i], longName[i], shortName[i], when
		}
		if (sev1off) printf "  page/sev1 clears once %s;\n", diluted ? "the calm seconds dilute the 1h burn below 14.4" : "the 5m window has drained enough of the burst"
		printf "  the 5m window forgets the burst at %s. With a full hour of history, %s errors would page\n", clock(end + 300), pct(r)
		printf "  only after %.0fm, having spent 2%% of the budget.\n", (14.4 * budget - e) / (r - e) * 60
		printf "Budget left is over the 30d period, which holds only these minutes: the burst spends it\n"
		printf "  %.1f times over (%.0f%% left when it ends).\n", bad[end] / end / budget, (1 - bad[end] / end / budget) * 100
		printf "demo-latency (95%% within 300ms) stays healthy: the errors are not slow.\n\n"
	}'
}

[ -x "$DIST" ] || die "the distribution is not built at $DIST: run \`make demo\`, which builds it"

IFS=: read -r burst_start burst_length burst_ratio <<<"$DEMO_BURST"
[ -n "${burst_ratio:-}" ] || die "DEMO_BURST must be start:length:error-ratio, e.g. 60s:45s:0.5, got \"$DEMO_BURST\""
duration_s=$(seconds "$DEMO_DURATION")
start_s=$(seconds "$burst_start")
length_s=$(seconds "$burst_length")

# The quick start's ports are fixed; say who to stop rather than let the
# collector fail with a bind error in a log file.
for port in 4317 4318 8888 8889; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		die "port $port on localhost is in use (another collector, e.g. \`make run\`?): the demo needs 4317, 4318, 8888 and 8889 free.
      Find it with: ss -ltnp 'sport = :$port'"
	fi
done

mkdir -p "$BIN"
$GO build -o "$BIN/" ./cmd/loadgen ./cmd/slowatch

tmp=$(mktemp -d "${TMPDIR:-/tmp}/otelcol-slo-demo.XXXXXX")
collector_pid= loadgen_pid=
cleanup() {
	code=$?
	trap - EXIT INT TERM
	set +e
	# SIGTERM, not SIGINT: background jobs of a script start with SIGINT ignored.
	[ -n "$loadgen_pid" ] && kill -TERM "$loadgen_pid" 2>/dev/null && wait "$loadgen_pid" 2>/dev/null
	if [ -n "$collector_pid" ] && kill -TERM "$collector_pid" 2>/dev/null; then
		for _ in $(seq 50); do kill -0 "$collector_pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$collector_pid" 2>/dev/null || true
		wait "$collector_pid" 2>/dev/null || true
	fi
	if [ -s "$tmp/loadgen.out" ]; then echo "loadgen: $(cat "$tmp/loadgen.out")"; fi
	if [ -s "$tmp/loadgen.err" ]; then sed 's/^/  /' "$tmp/loadgen.err" >&2; fi
	# Ctrl-C (130) is the normal way to end a demo early, not a failure.
	if [ "$code" -eq 0 ] || [ "$code" -eq 130 ]; then
		rm -rf "$tmp"
	else
		echo "demo: logs kept in $tmp" >&2
	fi
	exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$DIST" --config "$CONFIG" >"$tmp/collector.log" 2>&1 &
collector_pid=$!

# Healthy once the OTLP receiver listens: receivers start after exporters,
# so the Prometheus endpoint is up by then too.
for _ in $(seq 150); do
	kill -0 "$collector_pid" 2>/dev/null || { tail -n 20 "$tmp/collector.log" >&2; die "the collector exited during start; log above"; }
	(exec 3<>/dev/tcp/127.0.0.1/4317) 2>/dev/null && break
	sleep 0.2
done
(exec 3<>/dev/tcp/127.0.0.1/4317) 2>/dev/null || die "the collector did not open localhost:4317 within 30s; see $tmp/collector.log"

header >"$tmp/header.txt"

"$BIN/loadgen" -endpoint localhost:4317 -services demo -rate "$DEMO_RATE" -duration "$DEMO_DURATION" \
	-error-ratio "$DEMO_ERROR_RATIO" -burst "$DEMO_BURST" >"$tmp/loadgen.out" 2>"$tmp/loadgen.err" &
loadgen_pid=$!

# Started right after loadgen, so the watcher's clock is the schedule's.
"$BIN/slowatch" -url http://localhost:8889/metrics -interval "$DEMO_INTERVAL" -duration "$DEMO_DURATION" \
	-header "$tmp/header.txt"
# loadgen has the same duration and ends within a batch or so; letting it
# finish keeps its summary free of a "run stopped" at the normal end.
wait "$loadgen_pid" || true
loadgen_pid=
