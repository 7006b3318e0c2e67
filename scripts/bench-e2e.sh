#!/usr/bin/env bash
# bench-e2e: the collector CPU the slo connector costs per span, end to end.
#
# Runs the built otelcol-slo distribution twice, side by side, under
# cmd/loadgen at full speed: one collector with the slo connector and ten
# objectives in its traces pipeline, one with the same pipeline without it.
# Both pipelines are otlp -> debug (verbosity basic, no sending queue, its
# log lines below the collector's log level), the cheapest exporter the
# distribution has, so that the connector's share is measured against a
# collector that does little more than receive: a real exporter (otlp to a
# backend) would make the same connector cost a smaller share.
#
# Each collector's CPU time (utime + stime from /proc/<pid>/stat) is read
# before and after the measured load, after a warm-up load that lets the
# heap and the series reach their steady state, and divided by the spans its
# loadgen reports accepted. The two collectors take their load at the same
# time, sharing one core (CPU 0, GOMAXPROCS=1, with PIN=1, the default on
# two or more cores) while their two loadgens share the other: whatever else
# the machine does then slows both alike, which running them one after the
# other on a shared machine does not (rounds a minute apart differ by more
# than the connector costs). Each round yields the ratio of the two; the
# result is the median over the rounds.
#
# Needs the distribution (make build); run it as `make bench-e2e`.
# Settings (environment): SPANS (2000000 per collector), WARMUP (200000),
# WORKERS (4 per loadgen), BATCH (500), ROUNDS (5), PIN, DIST, PORT_BASE
# (24300: OTLP on +17 and +18, telemetry on +88 and +89).
set -euo pipefail

cd "$(dirname "$0")/.."
DIST=${DIST:-_build/otelcol-slo/otelcol-slo}
SPANS=${SPANS:-2000000}
WARMUP=${WARMUP:-200000}
WORKERS=${WORKERS:-4}
BATCH=${BATCH:-500}
ROUNDS=${ROUNDS:-5}
PIN=${PIN:-$([[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null && echo 1 || echo 0)}
PORT_BASE=${PORT_BASE:-24300}
OUT=${OUT:-_build/bench-e2e}
SERVICES=frontend,cart,checkout,catalog,payment
ROUTES='/,/api/v1/items,/api/v1/items/{id},/api/v1/cart,/api/v1/cart/{id}/lines,/api/v1/checkout,/api/v1/orders/{id},/api/v1/users/{id},/api/v1/search,/healthz'
NAMES=(with-slo without-slo)
declare -A OTLP_PORT=([with-slo]=$((PORT_BASE + 17)) [without-slo]=$((PORT_BASE + 18)))
declare -A TELEMETRY_PORT=([with-slo]=$((PORT_BASE + 88)) [without-slo]=$((PORT_BASE + 89)))

if [[ ! -x $DIST ]]; then
	echo "bench-e2e: no distribution at $DIST; run \`make build\` first" >&2
	exit 1
fi
mkdir -p "$OUT"
go build -o "$OUT/loadgen" ./cmd/loadgen
TCK=$(getconf CLK_TCK)

# The ten objectives of the micro benchmarks (internal/benchdata/objectives):
# availability and latency of each service's server spans, by http.route.
objectives() {
	local s
	for s in ${SERVICES//,/ }; do
		cat <<EOF
      - name: $s-availability
        service: $s
        spans: {kind: server}
        indicator: {availability: {}}
        target: 99.9
        period: 30d
        group_by: [http.route]
      - name: $s-latency
        service: $s
        spans: {kind: server}
        indicator: {latency: {threshold: 300ms}}
        target: 99
        period: 30d
        group_by: [http.route]
EOF
	done
}

# config NAME writes the configuration of one collector.
config() {
	local name=$1 exporters='[debug]' connectors='' metrics=''
	if [[ $name == with-slo ]]; then
		exporters='[debug, slo]'
		connectors="connectors:
  slo:
    flush_interval: 15s
    objectives:
$(objectives)"
		metrics="    metrics:
      receivers: [slo]
      exporters: [debug]"
	fi
	cat <<EOF
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${OTLP_PORT[$name]}
$connectors
exporters:
  debug:
    verbosity: basic
    sending_queue:
      enabled: false
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${TELEMETRY_PORT[$name]}
  pipelines:
    traces:
      receivers: [otlp]
      exporters: $exporters
$metrics
EOF
}

collector_cmd=("$DIST")
loadgen_cmd=("$OUT/loadgen")
if [[ $PIN == 1 ]]; then
	collector_cmd=(env GOMAXPROCS=1 taskset -c 0 "$DIST")
	loadgen_cmd=(taskset -c 1 "$OUT/loadgen")
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
field() { grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }

# loadgen NAME SPANS: sends SPANS spans to collector NAME, prints loadgen's JSON.
loadgen() {
	"${loadgen_cmd[@]}" -endpoint "127.0.0.1:${OTLP_PORT[$1]}" -spans "$2" -workers "$WORKERS" -batch "$BATCH" \
		-services "$SERVICES" -routes "$ROUTES" -error-ratio 0.02 -wait-for-ready -json
}

# round: both collectors under load at once; prints, per collector,
# "NAME cpu_us_per_span accepted spans_per_second".
round() {
	local name
	declare -A pid=() before=() after=()
	for name in "${NAMES[@]}"; do
		config "$name" >"$OUT/$name.yaml"
		"${collector_cmd[@]}" --config "$OUT/$name.yaml" >"$OUT/$name.log" 2>&1 &
		pid[$name]=$!
	done
	trap 'kill ${pid[*]} 2>/dev/null' EXIT
	for name in "${NAMES[@]}"; do
		for _ in $(seq 100); do
			curl -sf "http://127.0.0.1:${TELEMETRY_PORT[$name]}/metrics" >/dev/null && break
			sleep 0.1
		done
		if ! kill -0 "${pid[$name]}" 2>/dev/null; then
			echo "bench-e2e: the $name collector did not start:" >&2
			tail -5 "$OUT/$name.log" >&2
			exit 1
		fi
	done
	declare -A lg=()
	for name in "${NAMES[@]}"; do
		loadgen "$name" "$WARMUP" >"$OUT/$name.warmup.json" &
		lg[$name]=$!
	done
	for name in "${NAMES[@]}"; do wait "${lg[$name]}" || true; done
	for name in "${NAMES[@]}"; do before[$name]=$(cpu_ticks "${pid[$name]}"); done
	for name in "${NAMES[@]}"; do
		loadgen "$name" "$SPANS" >"$OUT/$name.json" &
		lg[$name]=$!
	done
	# Each collector's CPU is read as soon as its own load is done.
	local done_=()
	while [[ ${#done_[@]} -lt ${#NAMES[@]} ]]; do
		for name in "${NAMES[@]}"; do
			if [[ -z ${after[$name]:-} ]] && ! kill -0 "${lg[$name]}" 2>/dev/null; then
				after[$name]=$(cpu_ticks "${pid[$name]}")
				done_+=("$name")
			fi
		done
		sleep 0.02
	done
	for name in "${NAMES[@]}"; do wait "${lg[$name]}" || true; done

	local evaluated expected
	evaluated=$(curl -sf "http://127.0.0.1:${TELEMETRY_PORT[with-slo]}/metrics" | awk '/^otelcol_slo_spans_evaluated/ {printf "%d", $NF; exit}')
	expected=$(($(field accepted <"$OUT/with-slo.warmup.json") + $(field accepted <"$OUT/with-slo.json")))
	if [[ $evaluated -ne $expected ]]; then
		echo "bench-e2e: the connector evaluated $evaluated spans, loadgen had $expected accepted" >&2
	fi
	for name in "${NAMES[@]}"; do kill -TERM "${pid[$name]}"; done
	for name in "${NAMES[@]}"; do wait "${pid[$name]}" || true; done
	trap - EXIT

	local accepted elapsed
	for name in "${NAMES[@]}"; do
		accepted=$(field accepted <"$OUT/$name.json")
		elapsed=$(field elapsed_ns <"$OUT/$name.json")
		if [[ $accepted -ne $SPANS ]]; then
			echo "bench-e2e: $name: only $accepted of $SPANS spans accepted: $(cat "$OUT/$name.json")" >&2
		fi
		awk -v name="$name" -v t="$((after[$name] - before[$name]))" -v tck="$TCK" -v n="$accepted" -v ns="$elapsed" \
			'BEGIN { printf "%s %.3f %d %.0f\n", name, t / tck * 1e6 / n, n, n / (ns / 1e9) }'
	done
}

echo "bench-e2e: $ROUNDS rounds, each collector $SPANS spans ($WARMUP warm-up) from $WORKERS workers in batches of $BATCH; $(nproc) cores, pinned: $PIN"
printf '%-6s %-12s %14s %12s %14s\n' round config 'cpu µs/span' accepted 'spans/s'
with=() without=() ratios=()
for r in $(seq "$ROUNDS"); do
	declare -A us=()
	result=$(round) || exit 1
	while read -r name cpu accepted rate; do
		us[$name]=$cpu
		printf '%-6s %-12s %14s %12s %14s\n' "$r" "$name" "$cpu" "$accepted" "$rate"
	done <<<"$result"
	with+=("${us[with-slo]}")
	without+=("${us[without-slo]}")
	ratios+=("$(awk -v w="${us[with-slo]}" -v o="${us[without-slo]}" 'BEGIN {printf "%.4f", w / o}')")
	unset us
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
awk -v w="$(median "${with[@]}")" -v o="$(median "${without[@]}")" -v r="$(median "${ratios[@]}")" -v all="${ratios[*]}" 'BEGIN {
	printf "\nper-round ratios (with / without): %s\n", all
	printf "median collector CPU per span: with slo %.3f µs, without %.3f µs (%.3f µs more)\n", w, o, w - o
	extra = (r - 1) * 100
	printf "median of the rounds: %+.1f%% CPU per span with the connector\n", extra
	printf "%s target: at most 10%% more CPU per span with the connector\n", extra <= 10 ? "PASS" : "FAIL"
}'
