# kyc-review: two commands on a fresh Debian 12 machine (as root, or with the packages already installed).
#
#   make run    install what is missing, start PostgreSQL and the mail sink, run the daemon on demo data
#   make test   the same set-up, then the whole test suite against the real servers; stops them after
#
# Servers listen on free loopback ports; their state lives in var/ (ignored), PostgreSQL's in a folder of
# its own under /var/tmp that var/pg links to (see scripts/dev-services). `source var/env` to reach them.

SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# libstdc++-12-dev: swift-crypto's BoringSSL is C++ and needs the C++ library's headers (scripts/check-cxx-headers).
APT_PACKAGES := pkg-config libpq-dev libcurl4-openssl-dev libstdc++-12-dev postgresql python3-aiosmtpd iso-codes systemd
# What `make bench` needs besides: hyperfine times whole commands; python3-venv holds the peers (PgQueuer,
# procrastinate) from PyPI; bc does the arithmetic.
BENCH_APT_PACKAGES := hyperfine bc python3-venv gcc
# A target that imports a module outside its declared dependencies' closure fails the build; the direct
# declaration of every import, and no driver in the programs, scripts/check-imports asks (setup-check).
# Warnings are errors through Package.swift's strictSettings.
SWIFT_BUILD_FLAGS ?= --explicit-target-dependency-import-check error

.PHONY: help deps services stop build run test test-faults fuzz leakcheck unit-check setup-check bench

help:
	@echo "make run     start PostgreSQL and the mail sink, run kyc-reviewd on demo data"
	@echo "make test    start the servers, run every test against them, stop them"
	@echo "make stop    stop the servers"
	@echo "make bench   measured figures beside their references, written to BENCHMARKS.md (not part of make test)"
	@echo "make leakcheck  10,000 statements through the libpq wrapper under LeakSanitizer (part of make test)"
	@echo "make test-faults  crashes, server restarts, SMTP weather, concurrency, fuzzing: a summary table (part of make test)"
	@echo "make setup-check  C++ headers there; servers start from a clone in a 0700 folder (part of make test)"
	@echo "make fuzz    libFuzzer on the MRZ parsers and stored-submission checks, FUZZ_SECONDS each (part of test-faults)"

# Installs the Debian packages that are missing; does nothing when all are there.
deps:
	@missing=()
	for package in $(APT_PACKAGES) $(EXTRA_APT_PACKAGES); do
		dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$$package")
	done
	if (( $${#missing[@]} )); then
		echo "installing: $${missing[*]}"
		if [ "$$(id -u)" -ne 0 ]; then echo "run as root, or install: $${missing[*]}" >&2; exit 1; fi
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$${missing[@]}" >/dev/null
	fi

services: deps
	scripts/dev-services start

stop:
	scripts/dev-services stop

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

run: build services
	scripts/demo

test: deps
	@swift build --build-tests $(SWIFT_BUILD_FLAGS)
	scripts/dev-services start
	trap 'scripts/dev-services stop' EXIT
	scripts/dev-services drop-test-databases
	source var/env
	KYC_REQUIRE_SERVERS=1 swift test --skip-build $(SWIFT_BUILD_FLAGS)
	scripts/check-report-deploy "$$(swift build --show-bin-path $(SWIFT_BUILD_FLAGS))"
	$(MAKE) --no-print-directory test-faults
	$(MAKE) --no-print-directory leakcheck
	$(MAKE) --no-print-directory unit-check
	$(MAKE) --no-print-directory setup-check

# The fault suite: SIGKILL at random moments (CrashTests), two daemons and four reviewers racing
# (RaceTests), several daemons at once, PostgreSQL restarts, and the SMTP weather (two minutes down, then
# 421, then 451, then normal). The tests that restart servers run alone, after the suite that shares them. Prints a
# summary table from the tests' FAULT-SUMMARY lines.
test-faults: deps
	@swift build --build-tests $(SWIFT_BUILD_FLAGS)
	scripts/dev-services start >/dev/null
	source var/env
	log=$$(mktemp)
	trap 'rm -f "$$log"' EXIT
	status=0
	# Crashes and concurrency first; then, alone, the tests that restart the servers under everyone.
	KYC_REQUIRE_SERVERS=1 KYC_FAULT_TESTS=1 swift test --skip-build $(SWIFT_BUILD_FLAGS) \
		--filter 'CrashTests|RaceTests|severalDaemonsOnOneDatabase|sigtermUnderLoad' >"$$log" 2>&1 || status=$$?
	KYC_REQUIRE_SERVERS=1 KYC_FAULT_TESTS=1 swift test --skip-build $(SWIFT_BUILD_FLAGS) \
		--filter 'PostgresRestartTests' >>"$$log" 2>&1 || status=$$?
	KYC_REQUIRE_SERVERS=1 KYC_FAULT_TESTS=1 swift test --skip-build $(SWIFT_BUILD_FLAGS) \
		--filter 'MailOutageTests' >>"$$log" 2>&1 || status=$$?
	grep -E '^(crash|race|weather|PostgreSQL restart|SIGTERM)' "$$log" || true
	grep -E '✘|Test run with' "$$log" || true
	echo
	printf '%-48s %5s %5s %10s %7s\n' case runs lost duplicates crashes
	grep '^FAULT-SUMMARY|' "$$log" | while IFS='|' read -r _ name runs lost duplicates crashes; do
		printf '%-48s %5s %5s %10s %7s\n' "$$name" "$$runs" "$$lost" "$$duplicates" "$$crashes"
	done
	$(MAKE) --no-print-directory fuzz || status=$$?
	exit $$status

# libFuzzer on what must never crash on any input: the MRZ parsers and the daemon's reading and checking
# of a stored submission. FUZZ_SECONDS each (default 30), starting from the committed seeds in
# Tests/Fuzz/<target>/ (which replay every run); a crash fails the run and leaves its input in
# var/fuzz/crashes/ — commit it under Tests/Fuzz/<target>/ as a regression case with the fix.
FUZZ_SECONDS ?= 30
fuzz:
	@swift build --scratch-path .build-fuzz --product domain-fuzzer \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING >/dev/null
	mkdir -p var/fuzz/crashes
	for target in mrz submission; do
		mkdir -p "var/fuzz/$$target"
		KYC_FUZZ_TARGET=$$target .build-fuzz/debug/domain-fuzzer -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=var/fuzz/crashes/$$target- "var/fuzz/$$target" "Tests/Fuzz/$$target" \
			>"var/fuzz/$$target.log" 2>&1 || { tail -n 40 "var/fuzz/$$target.log" >&2; echo "fuzz: $$target crashed" >&2; exit 1; }
		echo "fuzz: $$target: $$(grep -E '^Done [0-9]+ runs' "var/fuzz/$$target.log"), no crash"
	done

# Every PGresult, notification and connection freed: 10,000 statements under LeakSanitizer, which fails the
# run on any leak. The probe's --plant-leak shows the checker does catch one.
leakcheck: services
	@swift build --sanitize=address --product postgres-leak-probe --scratch-path .build-asan
	source var/env
	ASAN_OPTIONS=detect_leaks=1 .build-asan/debug/postgres-leak-probe 10000
	if ASAN_OPTIONS=detect_leaks=1 .build-asan/debug/postgres-leak-probe 10 --plant-leak >/dev/null 2>&1; then
		echo "LeakSanitizer missed a planted leak: the leak check proves nothing" >&2; exit 1
	fi
	echo "leakcheck: no leak in 10,000 statements; the planted leak was caught"

# The systemd units: `systemd-analyze verify` with empty stderr (it exits 0 even on parse errors) for the daemon
# and the report's and purge's services and timers, and an exposure score of 1.0 or less for the daemon's from
# `systemd-analyze security`.
UNITS := kyc-reviewd.service kyc-review-report.service kyc-review-report.timer kyc-review-report-mail.service \
	kyc-review-report-mail.timer kyc-review-purge.service kyc-review-purge.timer
unit-check:
	@dir=$$(mktemp -d)
	trap 'rm -rf "$$dir"' EXIT
	bin=$$(swift build --show-bin-path)
	for unit in $(UNITS); do
		sed "s#^ExecStart=/usr/local/bin/#ExecStart=$$bin/#" "deploy/$$unit" >"$$dir/$$unit"
	done
	systemd-analyze verify $(addprefix "$$dir"/,$(UNITS)) 2>"$$dir/verify.err" || true
	if [ -s "$$dir/verify.err" ]; then cat "$$dir/verify.err" >&2; echo "unit-check: systemd-analyze verify complained" >&2; exit 1; fi
	exposure=$$(systemd-analyze security --offline=yes "$$dir/kyc-reviewd.service" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	[ -n "$$exposure" ] || { echo "unit-check: no exposure score" >&2; exit 1; }
	awk -v e="$$exposure" 'BEGIN { exit !(e <= 1.0) }' || { echo "unit-check: exposure $$exposure is above 1.0" >&2; exit 1; }
	echo "unit-check: verify clean ($(words $(UNITS)) units), exposure $$exposure"

# What a newcomer's first `make test` relies on: make deps installs the C++ headers the build needs, and the dev
# servers start from a checkout below a folder PostgreSQL's user cannot enter (root's home, mode 0700).
setup-check:
	@scripts/check-cxx-headers $(APT_PACKAGES)
	scripts/check-imports
	scripts/check-private-checkout

bench:
	@$(MAKE) --no-print-directory deps EXTRA_APT_PACKAGES="$(BENCH_APT_PACKAGES)"
	bench/run
