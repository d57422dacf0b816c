# dbchangetracking — one entry point.
#   make           build everything (C++ library, dbct, sidecars, PostgreSQL extension)
#   make install   install the extension into PostgreSQL 15 and the binaries into $(PREFIX)
#   make check     unit + pg_regress + integration tests against real servers
#   make demo      a throwaway PostgreSQL + nats-server showing events arrive
#   make bench     throughput, latency, memory next to their references (BENCH_SCALE=0.05: quick)
PREFIX     ?= /usr/local
BUILD_DIR  ?= build
PG_CONFIG  ?= pg_config
JOBS       ?= $(shell nproc)
PYTEST     ?= /usr/bin/python3 -m pytest

.PHONY: all deps cpp extension install install-extension check unit regress integration demo bench clean dist

all: deps cpp extension

deps:
	@scripts/install-deps

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)

cpp: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

extension: cpp
	$(MAKE) -C pg_extension PG_CONFIG=$(PG_CONFIG) DBCT_BUILD_DIR=$(abspath $(BUILD_DIR))

install: all
	cmake --install $(BUILD_DIR)
	$(MAKE) -C pg_extension install PG_CONFIG=$(PG_CONFIG) DBCT_BUILD_DIR=$(abspath $(BUILD_DIR))

# The tests load the extension into throwaway clusters, so it must be installed in PostgreSQL's
# own directories first (PostgreSQL 15 has no per-cluster extension path).
install-extension: all
	$(MAKE) -C pg_extension install PG_CONFIG=$(PG_CONFIG) DBCT_BUILD_DIR=$(abspath $(BUILD_DIR))

check: install-extension
	$(MAKE) unit regress integration

unit: cpp
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

regress: install-extension
	scripts/run-regress

integration: cpp
	DBCT_BUILD_DIR=$(abspath $(BUILD_DIR)) $(PYTEST) -q tests/integration

demo: install-extension
	DBCT_BUILD_DIR=$(abspath $(BUILD_DIR)) /usr/bin/python3 scripts/demo.py

# Starts its own servers; prints markdown tables, writes raw figures to bench/results/. With
# DBCT_PG_BIN (a private PostgreSQL tree that already holds this build's extension) nothing is
# installed into the system's PostgreSQL.
bench: $(if $(DBCT_PG_BIN),all,install-extension)
	DBCT_BUILD_DIR=$(abspath $(BUILD_DIR)) /usr/bin/python3 bench/run.py

clean:
	rm -rf $(BUILD_DIR)
	$(MAKE) -C pg_extension clean PG_CONFIG=$(PG_CONFIG)
