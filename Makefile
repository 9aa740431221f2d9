# attest — the two commands a new user needs are `make verify-parallel` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/attest

.PHONY: setup build release test verify-parallel quick bench bench-stability fuzz clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

# The Swift runtime and Foundation linked in (OpenSSL stays the system's; libgit2 is loaded when
# a command first reads a repository): the binary runs where no Swift toolchain is installed,
# starts in about 4 ms instead of 11 and verifies a normal bundle a third faster; it is about 80 MB
# instead of 12 (BENCHMARKS.md). `make release STATIC=` builds the dynamically linked binary instead.
STATIC := --static-swift-stdlib

release: setup
	$(SWIFT) build -c release --product attest $(STATIC)

# The deterministic tests in parallel, then the timing-tagged ones (they measure CPU time and
# parallelism and must not compete for the cores) one at a time.
# The suites tagged `.timing`, by their test ids: swift test 6.3 cannot select by tag yet.
TIMING := SwarmRuntimeSuite|ExternalMeasuredTests|ExternalCLITests|HardeningTests|ReplayCLITests|ReportCLITests|RunCommandTests
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '$(TIMING)'
	$(SWIFT) test --skip-build --no-parallel --filter '$(TIMING)'

# The main job: the full five-gate run, signed bundle in .checkpoints/.
verify-parallel: release
	$(RELEASE_BIN) run

# Gates 1 and 2 only (the original `make quick`).
quick: release
	$(RELEASE_BIN) run --quick

bench: setup
	$(SWIFT) build -c release $(STATIC)
	.build/release/swarm-bench
	.build/release/attest-bench

# Verdict stability: gate 2 N times (default 10) on each workload, a confusion table and the median
# time to a decision (BENCHMARKS.md). `make bench-stability N=5` for a shorter run.
N ?= 10
bench-stability: release
	python3 Benchmarks/Stability/stability.py --n $(N) --attest $(RELEASE_BIN)

# Fuzz parsing + verification with libFuzzer for SECONDS (default 60); crashes land in fuzz-crashes/.
SECONDS ?= 60
FUZZ_BIN := .build-fuzz/release/attest-fuzz
fuzz: setup
	$(SWIFT) build --product attest-fuzz
	rm -rf fuzz-corpus && mkdir -p fuzz-corpus fuzz-crashes
	.build/debug/attest-fuzz --make-corpus fuzz-corpus
	cp .checkpoints/proof/*.bundle.json fuzz-corpus/ 2>/dev/null || true
	$(SWIFT) build -c release --product attest-fuzz --scratch-path .build-fuzz \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
	$(FUZZ_BIN) fuzz-corpus -max_total_time=$(SECONDS) -print_final_stats=1 -artifact_prefix=fuzz-crashes/ -max_len=65536

clean:
	rm -rf .build .build-fuzz fuzz-corpus
