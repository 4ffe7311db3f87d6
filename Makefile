# rtdash - the two commands: `make run` and `make test`.
# Everything real happens in CMake (build), ctest (tests) and scripts/.
BUILD  ?= build
ASAN   ?= 0
ifeq ($(ASAN),1)
BUILD  := build-asan
CMAKE_FLAGS += -DRTDASH_ASAN=ON -DRTDASH_UBSAN=ON -DCMAKE_BUILD_TYPE=Debug
endif
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all run test deps test-deps web build clean bench format lint

all: build

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

web: web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund

# Configured once: `cmake --build` configures again by itself when a CMake
# file changes. (Configuring an existing build directory again changes the
# include flags of the pkg-config modules, which rebuilds everything: a second
# `make run` would wait for it.) CMAKE_FLAGS given to make configures again.
build: deps web
	@if [ ! -f $(BUILD)/CMakeCache.txt ] || \
	    [ -n "$(filter command line environment,$(origin CMAKE_FLAGS))" ]; then \
	    echo cmake -S . -B $(BUILD) $(CMAKE_FLAGS); cmake -S . -B $(BUILD) $(CMAKE_FLAGS); fi
	cmake --build $(BUILD) -j $(JOBS)

# `make run PORT=8081` is RTDASH_PORT=8081 (which, like every RTDASH_* setting
# of the environment, make run honours); `make run COLLECTOR='command'` runs one
# more collector under the hub. Only from the command line: a PORT or COLLECTOR
# that happens to be in the environment means something else.
ifeq ($(origin PORT),command line)
run: export RTDASH_PORT := $(PORT)
endif
ifeq ($(origin COLLECTOR),command line)
run: export RTDASH_RUN_COLLECTOR := $(COLLECTOR)
else
run: export RTDASH_RUN_COLLECTOR :=
endif
run: build
	@scripts/run.sh $(BUILD)/bin "$$RTDASH_RUN_COLLECTOR"

collectors/examples/node/node_modules/.package-lock.json: collectors/examples/node/package-lock.json
	cd collectors/examples/node && npm ci --no-audit --no-fund

test: test-deps build tests/browser/node_modules/.package-lock.json \
      collectors/examples/node/node_modules/.package-lock.json
	cd $(BUILD) && ctest --output-on-failure -j 1 $(CTEST_ARGS)

bench: build
	@tests/bench/run.sh $(BUILD)/bin

clean:
	rm -rf build build-asan

# clang-format 14 (Debian 12) rewrites the C sources as .clang-format says
format:
	@scripts/format.sh --fix

# what CI checks before the tests: C format, include cycles among the
# modules of each C directory, ESLint on the page, pyflakes on the Python tests
lint: web
	@scripts/lint.sh
