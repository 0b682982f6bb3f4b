# The two commands: `make run` and `make test`. Everything else is a helper for them.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
  WERROR := ON
else
  WERROR := $(or $(LPSIM_WERROR),OFF)
endif

.PHONY: run test test-sanitize fuzz deps build bench clean format

run: build
	./$(BUILD_DIR)/sim/lpsim run examples/resnet18.yaml

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Every test under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
SANITIZE_BUILD_DIR ?= build-asan
test-sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DLPSIM_SANITIZE=ON -DLPSIM_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(SANITIZE_BUILD_DIR) -j $(JOBS)
	cd $(SANITIZE_BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# libFuzzer targets of every input parser (clang, ASan + UBSan, build-fuzz/), FUZZ_SECONDS each;
# fails when one finds a crash (docs/reliability.md, "Fuzzing").
FUZZ_SECONDS ?= 30
fuzz: deps
	@JOBS=$(JOBS) bash scripts/run-fuzz.sh $(FUZZ_SECONDS)

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DLPSIM_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

bench: build
	./$(BUILD_DIR)/bench/lpsim_bench --benchmark_min_time=0.5

format:
	find hw sw sim traces python tests bench -name '*.hpp' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
