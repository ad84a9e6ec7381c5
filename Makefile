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

clean:
	rm -rf $(BUILD) build-cross build-asan

# ---- cross builds (Debian multiarch) and tests under qemu-user ----
ARCH ?= aarch64
CROSS_BUILD = build-cross-$(ARCH)
.PHONY: cross test-cross deps-cross
deps-cross:
	@CROSS=1 bash firmware/deps.sh

cross: deps-cross
	cmake -S . -B $(CROSS_BUILD) -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/toolchain.cmake \
	      -DRISKGW_ARCH=$(ARCH) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(CROSS_BUILD) -j$(JOBS)
	@file $(CROSS_BUILD)/riskgw

# The unit tests of the cross build, each run under qemu-user.
test-cross: cross
	cd $(CROSS_BUILD) && ctest -L unit --output-on-failure -j$(JOBS)

# The main job on this machine: simulator, gateway, mosquitto and a live view of alarms.
# DEMO_SECONDS=N stops it after N seconds (scripts and CI); otherwise Ctrl-C.
demo: build
	@bash simulators/demo/run.sh $(BUILD)
