# mlcycle — the two commands: `make demo` and `make test`.
# Everything else is a step of those two. Builds share target/; run one at a time.

SHELL := /bin/bash
CARGO ?= cargo
PORT ?= 8080
# Test files that run both natively and as wasm (Node, Chromium); `--lib`: the unit tests marked
# `wasm_bindgen_test` (the wasm `simd128` loops against their scalar forms), of both crates
# (crates/mlcycle-ops: the operators; one cargo run, so tract's features unify as in the build).
WASM_TESTS := -p mlcycle -p mlcycle-ops --lib --test golden --test features_golden --test features_columns --test registry_lifecycle --test monitor --test validation_metrics --test validation_penguins --test nnef_roundtrip --test nnef_golden --test interop --test hostile
CHROMEDRIVER ?= /usr/bin/chromedriver
# Interop fixtures with a committed precompiled form (tests/interop.rs).
INTEROP_NNEF := knn_nozipmap rf_strlabels logreg_strlabels logreg_strlabels_nozipmap tree_strlabels svc lgbm xgb \
                catboost hgb pipeline_columns pipeline_single_string_input regressor_lgbm \
                columns_logreg binarizer_logreg te5_lgbm te5_hgb te5_regressor_lgbm te5_rf_average \
                te5_rf_average_f64 te5_member_sum te5_member_max

.PHONY: fuzz all tools build-tools pkg cli registry test-registry test-e2e check-size demo test test-native test-wasm-node test-wasm-chromium test-js \
        test-python check-glue fmt-check bench clean nnef-fixtures

all: pkg

## What a fresh machine lacks: wasm target, wasm-bindgen-cli, npm and Python dev dependencies,
## and (for the tests) Debian's chromium + chromium-driver — or a stop with the command to run.
tools:
	@CHROMEDRIVER=$(CHROMEDRIVER) ./scripts/install-tools.sh

## The same without the browser (what building the packages and the demo need).
build-tools:
	@MLCYCLE_SKIP_BROWSER=1 ./scripts/install-tools.sh

## The wasm npm packages (release, SIMD, wasm-opt -Oz): pkg/ (full: ONNX + NNEF) and
## pkg-slim/ (the edge build: precompiled NNEF models only, no ONNX parser).
pkg: build-tools
	./scripts/build-pkg.sh full
	./scripts/build-pkg.sh slim

## Regenerate tests/data/nnef/ (precompiled fixtures) after an intended format change.
nnef-fixtures: cli
	for m in penguins_logreg:penguins_logreg penguins_gbt:variants/penguins_gbt \
	         breast_cancer_gbt:breast_cancer_gbt breast_cancer_mlp:breast_cancer_mlp \
	         breast_cancer_rf:variants/breast_cancer_rf digits_mlp:digits_mlp; do \
	  ./target/release/mlcycle compile tests/data/$${m#*:}.onnx -o tests/data/nnef/$${m%%:*}.nnef.tar || exit 1; \
	done
	mkdir -p tests/data/nnef/interop
	for m in $(INTEROP_NNEF); do \
	  ./target/release/mlcycle compile tests/data/interop/$$m.onnx -o tests/data/nnef/interop/$$m.nnef.tar || exit 1; \
	done

## The native CLI (target/release/mlcycle).
cli:
	$(CARGO) build --release --features cli --bin mlcycle

## The demo registry (penguins 1.0.0 production, 1.1.0 canary 20 %) in demo-registry/.
registry: cli
	./scripts/build-demo-registry.sh demo-registry

## Build everything and serve the demo on http://127.0.0.1:$(PORT)/
demo: pkg registry
	./target/release/mlcycle serve --root . --port $(PORT) --index www/index.html

## Every test: native, wasm in Node, wasm in headless Chromium, the JS package, Python oracles.
test: tools check-glue test-native test-wasm-node test-wasm-chromium pkg check-size test-registry test-js test-e2e test-python
	@echo "make test: all suites passed"

check-glue:
	./scripts/check-glue.sh

## The wasm package must stay within budgets/wasm-size.json.
check-size:
	./scripts/check-size.sh

## Long mutation-fuzzing run of every parser that takes outside bytes (tests/fuzz.rs; `make
## test` runs a short pass of the same harness). A new seed each run unless MLCYCLE_FUZZ_SEED
## is set; a failing input is saved under target/fuzz-failures/.
fuzz:
	MLCYCLE_FUZZ_ITERS=$${MLCYCLE_FUZZ_ITERS:-20000} MLCYCLE_FUZZ_SEED=$${MLCYCLE_FUZZ_SEED:-$$(date +%s)} \
	  $(CARGO) test --features cli --test fuzz -- --nocapture

test-native:
	$(CARGO) test --features cli -p mlcycle -p mlcycle-ops
	$(CARGO) test --no-default-features --test nnef_golden --test interop --test hostile

test-wasm-node:
	$(CARGO) test --target wasm32-unknown-unknown $(WASM_TESTS)
	$(CARGO) test --target wasm32-unknown-unknown --no-default-features --test nnef_golden --test interop --test hostile

test-wasm-chromium:
	WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=$(CHROMEDRIVER) \
	  $(CARGO) test --target wasm32-unknown-unknown $(WASM_TESTS)
	WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=$(CHROMEDRIVER) \
	  $(CARGO) test --target wasm32-unknown-unknown --no-default-features --test nnef_golden --test interop --test hostile

# The demo registry for the JS tests, published with the debug CLI that test-native built.
# `cargo test --no-run` (a no-op after test-native) rather than `cargo build --bin`: the test
# build unifies dev-dependency features (proptest turns on bit-vec's default), so a plain build
# would compile tract a second time for the same binary.
test-registry:
	$(CARGO) test --features cli --no-run
	MLCYCLE_BIN=target/debug/mlcycle ./scripts/build-demo-registry.sh demo-registry

test-js:
	node --test --test-concurrency=1 tests/js/

## The web UI end to end (playwright-core on Debian's Chromium), screenshots in test-output/e2e/.
test-e2e:
	node --test --test-concurrency=1 tests/e2e/

test-python:
	@if ls tests/python/test_*.py >/dev/null 2>&1; then \
	  $(CARGO) test --features cli --no-run && \
	  for t in tests/python/test_*.py; do echo "python3 $$t"; MLCYCLE_BIN=target/debug/mlcycle python3 $$t || exit 1; done; \
	fi

## Side-by-side benchmark against onnxruntime-web (not a test: prints a table).
bench: pkg
	node bench/bench.mjs

clean:
	rm -rf pkg pkg-slim target/wasm32-unknown-unknown/release
