# otelcol-slo: build, run and test the distribution.
# Everything the targets need is installed by the targets themselves: a fresh
# machine needs only Go.

GO        ?= go
OCB_VERSION      := v0.161.0
MDATAGEN_VERSION := v0.159.0
BUILD_DIR := _build
TOOLS_DIR := $(abspath $(BUILD_DIR)/tools)
OCB       := $(TOOLS_DIR)/builder
MDATAGEN  := $(TOOLS_DIR)/mdatagen
DIST      := $(BUILD_DIR)/otelcol-slo/otelcol-slo
# The module proxy alone: without it, `go install` of a tool also asks the
# module's origin host for deprecation notices, which is not reachable here.
TOOL_GOPROXY ?= https://proxy.golang.org

GO_SOURCES := $(shell find . -name '*.go' -not -path './$(BUILD_DIR)/*')
COMPONENTS := connector/sloconnector processor/sloprocessor

.PHONY: all build run deps test test-unit lint bench fuzz generate clean

all: lint test

$(OCB):
	GOBIN=$(TOOLS_DIR) GOPROXY=$(TOOL_GOPROXY) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

# mdatagen resolves at v0.159.0 only, and only inside a module of its own.
$(MDATAGEN):
	mkdir -p $(BUILD_DIR)/mdatagen
	cd $(BUILD_DIR)/mdatagen && ( test -f go.mod || $(GO) mod init mdatagen-tool ) && \
		GOPROXY=$(TOOL_GOPROXY) GOFLAGS=-mod=mod $(GO) get go.opentelemetry.io/collector/cmd/mdatagen@$(MDATAGEN_VERSION) && \
		GOPROXY=$(TOOL_GOPROXY) $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen

## build: the otelcol-slo distribution, with ocb, into _build/otelcol-slo/.
build: $(DIST)

$(DIST): $(OCB) builder-config.yaml go.mod go.sum $(GO_SOURCES)
	$(OCB) --config builder-config.yaml

## run: start the distribution with examples/quickstart.yaml.
run: build
	$(DIST) --config examples/quickstart.yaml

## deps: the Debian packages the tests use (prometheus, promtool), when run as root.
deps:
	@if command -v prometheus >/dev/null && command -v promtool >/dev/null; then \
		echo "prometheus: $$(command -v prometheus)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; \
	else \
		echo "prometheus is not installed and cannot be installed here (needs root and apt-get):"; \
		echo "the Prometheus end-to-end test will be skipped (outside CI)"; \
	fi

## test: unit tests and end-to-end tests against the built distribution, with the race detector.
test: build deps
	OTELCOL_SLO_BINARY=$(abspath $(DIST)) $(GO) test -race -count=1 ./...

## test-unit: the tests that need no distribution.
test-unit:
	$(GO) test -race -count=1 -short ./...

## lint: gofmt and go vet.
lint:
	@unformatted="$$(gofmt -l $(GO_SOURCES))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## bench: the benchmarks.
bench:
	@mkdir -p $(BUILD_DIR) && $(GO) test -run '^$$' -bench . -benchmem -cpu 1 -count $(or $(BENCH_COUNT),3) -timeout 60m ./internal/... ./connector/... | tee $(BUILD_DIR)/bench.txt | $(GO) run ./cmd/benchreport

## fuzz: run each fuzz target for FUZZTIME (default 30s); their seed corpora run in make test.
FUZZTIME ?= 30s
FUZZ_TARGETS := internal/sloconfig:FuzzConfig internal/engine:FuzzSpanEvaluation internal/engine:FuzzRestore internal/duration:FuzzParse
fuzz:
	@for target in $(FUZZ_TARGETS); do \
		pkg=$${target%%:*}; name=$${target##*:}; \
		echo "fuzzing $$name in ./$$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
	done

## generate: regenerate the mdatagen files of each component.
generate: $(MDATAGEN)
	for c in $(COMPONENTS); do (cd $$c && $(MDATAGEN) metadata.yaml) || exit 1; done

clean:
	rm -rf $(BUILD_DIR)

## bench-e2e: collector CPU per span with and without the slo connector, under loadgen.
.PHONY: bench-e2e
bench-e2e: build
	./scripts/bench-e2e.sh

.PHONY: demo soak
SOAK_DURATION ?= 10m

## demo: the distribution on examples/quickstart.yaml under load with one error burst, watched by cmd/slowatch.
demo: build
	DIST=$(DIST) GO=$(GO) scripts/demo.sh

## soak: steady load for SOAK_DURATION (default 10m); fails unless every accepted span is counted; not in CI.
soak: build
	$(GO) run ./cmd/soak -binary $(DIST) -duration $(SOAK_DURATION)
