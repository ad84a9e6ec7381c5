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
