# Front door.  `make demo` and `make test` are the whole set-up on a fresh
# Debian 12 machine: each installs missing packages first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DVR_WERROR=ON
endif

.PHONY: all deps build test unit integration asan bench fuzz demo down status clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

test: build
	scripts/run-tests $(BUILD)

unit: build
	scripts/run-tests $(BUILD) unit

integration: build
	scripts/run-tests $(BUILD) integration

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DVR_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  scripts/run-tests $(ASAN_BUILD)

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DVR_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	scripts/run-fuzz $(FUZZ_BUILD)

bench: build
	scripts/run-bench $(BUILD)

demo: build
	scripts/demo $(BUILD)

down:
	@if [ -x $(BUILD)/vrepl ]; then $(BUILD)/vrepl down --config examples/marketplace/cluster.json; fi

status:
	$(BUILD)/vrepl status --config examples/marketplace/cluster.json

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
