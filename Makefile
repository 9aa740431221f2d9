# attest — the two commands a new user needs are `make verify-parallel` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/attest

.PHONY: setup build release test verify-parallel quick bench clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product attest

# Serial: the suites measure CPU time and parallelism and must not compete for the cores.
test: setup
	$(SWIFT) test --no-parallel

# The main job: the full five-gate run, signed bundle in .checkpoints/.
verify-parallel: release
	$(RELEASE_BIN) run

# Gates 1 and 2 only (the original `make quick`).
quick: release
	$(RELEASE_BIN) run --quick

bench: setup
	$(SWIFT) run -c release swarm-bench

clean:
	rm -rf .build
