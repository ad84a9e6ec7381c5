# The front door of riskgw. Every target a user or CI needs is here; CMake does the build.
#   make deps    install the Debian packages (no-op when present)
#   make         build into build/
#   make test    build and run the default suite (ctest)
#   make demo    simulators + gateway + mosquitto + a live view of alarms
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build deps test demo clean
all: build

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

deps:
	@bash firmware/deps.sh

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Everything the targets below write (bench/out/ too); the README check asserts nothing is left.
clean:
	rm -rf $(BUILD) build-cross build-cross-* build-pkg build-sysroot $(ASAN_BUILD) $(FUZZ_BUILD) $(LINT_BUILD) \
	       bench/out

# ---- cross builds and tests under qemu-user ----
#   make cross|test-cross [RISKGW_ARCH=aarch64|armhf]   (ARCH= works too)
# arm64 links the host's multiarch -dev:arm64 packages, armhf a debootstrap sysroot
# (firmware/sysroot.sh); make deps CROSS=1 provides both.
ARCH ?= aarch64
RISKGW_ARCH ?= $(ARCH)
CROSS_BUILD = build-cross-$(RISKGW_ARCH)
CROSS_DEB_ARCH = $(if $(filter aarch64,$(RISKGW_ARCH)),arm64,$(RISKGW_ARCH))
.PHONY: cross test-cross deps-cross
deps-cross:
	@CROSS_ARCHES=$(CROSS_DEB_ARCH) bash firmware/deps.sh

cross: deps-cross
	cmake -S . -B $(CROSS_BUILD) -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/toolchain.cmake \
	      -DRISKGW_ARCH=$(RISKGW_ARCH) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(CROSS_BUILD) -j$(JOBS)
	@file $(CROSS_BUILD)/riskgw

# The unit tests of the cross build, each run under qemu-user.
test-cross: cross
	cd $(CROSS_BUILD) && ctest -L unit --output-on-failure -j$(JOBS)

# The main job on this machine: simulator, gateway, mosquitto and a live view of alarms.
# DEMO_SECONDS=N stops it after N seconds (scripts and CI); otherwise Ctrl-C.
demo: build
	@bash simulators/demo/run.sh $(BUILD)

# ---- hardening: fuzzing, sanitizers, static analysis (docs/security.md) ----
#   make fuzz [FUZZ_SECONDS=N]  every libFuzzer target N seconds (default 60) on its corpus (clang)
#   make test-asan              the whole ctest suite built with ASan + UBSan
#   make lint                   clang-tidy (.clang-tidy) and cppcheck over gateway/ drivers/ simulators/,
#                               and the interface contract docs/asyncapi.yaml (lint-contract)
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
LINT_BUILD ?= build-lint
LINT_DIRS = gateway drivers simulators
space := $(subst ,, )
LINT_FILES_RE = $(CURDIR)/($(subst $(space),|,$(LINT_DIRS)))/.*\.c$$
# Leaks and UB fail the run; a report prints its whole stack.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
.PHONY: fuzz test-asan lint lint-contract
fuzz: deps
	bash tests/fuzz/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRISKGW_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest --output-on-failure -j$(JOBS)

# Needs only a configured tree (and its generated sources): compile_commands.json tells both tools every flag.
# Keep LINT_BUILD inside the tree: cppcheck then names files relative to it, as the filters do.
lint: deps lint-contract
	cmake -S . -B $(LINT_BUILD) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(LINT_BUILD) --target embedded_sources >/dev/null
	run-clang-tidy -quiet -p $(LINT_BUILD) -j$(JOBS) '$(LINT_FILES_RE)'
	cd $(CURDIR) && cppcheck --quiet --project=$(LINT_BUILD)/compile_commands.json $(LINT_DIRS:%='--file-filter=%/*') \
	         --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
	         --suppressions-list=.cppcheck-suppressions -j$(JOBS)

# The AsyncAPI parser (npm, pinned by tests/lib/contract/package-lock.json, installed into
# $(LINT_BUILD)/asyncapi once, then offline) validates the document; python3-jsonschema checks
# every schema in it against the JSON Schema meta-schema and every example against its schema.
CONTRACT_NPM = $(LINT_BUILD)/asyncapi
lint-contract: deps
	@mkdir -p $(CONTRACT_NPM)
	@cmp -s tests/lib/contract/package-lock.json $(CONTRACT_NPM)/package-lock.json && \
	  [ -d $(CONTRACT_NPM)/node_modules/@asyncapi/parser ] || \
	  { cp tests/lib/contract/package.json tests/lib/contract/package-lock.json $(CONTRACT_NPM)/ && \
	    cd $(CONTRACT_NPM) && npm ci --no-audit --no-fund --loglevel=error; }
	NODE_PATH=$(CONTRACT_NPM)/node_modules node tests/lib/contract/asyncapi_lint.cjs docs/asyncapi.yaml
	/usr/bin/python3 tests/lib/contract/contract.py --check-doc docs/asyncapi.yaml

# ---- packaging (docs/operations.md): Debian packages and their test in chroots ----
#   make package [PKG_ARCHES="amd64 arm64 armhf"]  build-pkg/riskgw_<version>_<arch>.deb
#   make test-package                              install, upgrade, purge in debootstrap chroots
PKG_ARCHES ?= amd64 arm64 armhf
PKG_CROSS = $(filter-out $(shell dpkg --print-architecture),$(PKG_ARCHES))
.PHONY: package test-package deps-package
deps-package:
	@CROSS_ARCHES="$(PKG_CROSS)" PACKAGE_TEST=1 bash firmware/deps.sh

package: deps-package
	@for arch in $(PKG_ARCHES); do bash firmware/package.sh $$arch || exit 1; done

test-package:
	@CROSS_ARCHES="arm64 armhf" PACKAGE_TEST=1 bash firmware/deps.sh
	bash tests/package/test_upgrade.sh

# ---- the cross build end to end under qemu-user ----
# Every integration test with the cross build's riskgw and riskgw-sim run under qemu-user,
# against the native mosquitto, sqlite3 and jq: the product working on ARM.
.PHONY: test-cross-e2e
test-cross-e2e: cross
	bash tests/integration/cross_e2e.sh $(CROSS_BUILD)

# ---- soak (bench/README.md, "Soak"): an hour of the whole plant, a third of it broken ----
#   make soak [SOAK_SECONDS=N]  fails when RSS or open descriptors grow after the warm-up
SOAK_SECONDS ?= 3600
.PHONY: soak
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) bash bench/soak.sh $(BUILD)

# ---- power-cut campaign (bench/README.md, "Power-cut campaign"): the store through hundreds of cuts ----
#   make power-cuts [POWER_CUTS=N]  needs root; fails if a store is damaged, a synced event lost
#                                   or a telemetry seq reused
POWER_CUTS ?= 300
.PHONY: power-cuts
power-cuts: build
	POWER_CUTS=$(POWER_CUTS) bash bench/power_cuts.sh $(BUILD)

# ---- benchmark (bench/README.md): figures measured here, now, on loopback ----
#   make bench                 every figure, about 10 minutes on 2 cores
#   make bench BENCH_QUICK=1   N = 10 and 100 with short windows, under 3 minutes
# Writes bench/out/results.json and bench/out/scale.png (ignored by git); gnuplot-nox is installed for the plot only.
BENCH_QUICK ?= 0
.PHONY: bench
bench: build
	@command -v gnuplot >/dev/null || [ "$$(id -u)" != 0 ] || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null 2>&1; } || \
	  echo "bench: could not install gnuplot-nox; there will be no plot"
	BENCH_QUICK=$(BENCH_QUICK) bash bench/run.sh $(BUILD)

# ---- a whole park on one machine (bench/README.md, "Park") ----
#   make bench-park [PARK_GATEWAYS=50] [PARK_DEVICES=20] [PARK_SECONDS=120]
# K gateways with their simulated sites, one broker restarted half way, one centre
# deduplicating; figures into bench/out/ (gitignored). Fails unless every alarm arrived once.
PARK_GATEWAYS ?= 50
PARK_DEVICES ?= 20
PARK_SECONDS ?= 120
.PHONY: bench-park
bench-park: build
	PARK_GATEWAYS=$(PARK_GATEWAYS) PARK_DEVICES=$(PARK_DEVICES) PARK_SECONDS=$(PARK_SECONDS) \
	  bash bench/park.sh $(BUILD)

# ---- a second broker implementation (tests/brokers/): RabbitMQ's MQTT plugin ----
#   make test-brokers   the gateway's MQTT behaviours on RabbitMQ, then failover
#                       mosquitto <-> RabbitMQ (about 3 minutes; installs rabbitmq-server)
.PHONY: test-brokers
test-brokers: build
	@BROKER_TEST=1 bash firmware/deps.sh
	bash tests/brokers/test_rabbitmq_mqtt.sh $(BUILD)
	FAILOVER_B=rabbitmq bash tests/integration/test_broker_failover.sh $(BUILD)
