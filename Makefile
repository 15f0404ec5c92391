# NES — the README's commands. Every target is idempotent: a second run with
# nothing changed only checks stamps.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
UMQTT := build/lib/umqtt/simple.py
UPLOT := host_tools/dashboard/static/vendor/uPlot.iife.min.js

.PHONY: demo demo-shell test venv system-deps demo-deps broker-deps

# The whole system on this machine; everything it starts stops when it ends.
# DEMO_ARGS='--interval 30' sets the seconds between the boards' readings (10).
demo: $(INSTALLED) demo-deps $(UPLOT)
	@$(PY) -m host_tools.dev.demo $(DEMO_ARGS)

# The same, left running with instructions for poking at it; Ctrl-C stops it.
demo-shell: $(INSTALLED) demo-deps $(UPLOT)
	@$(PY) -m host_tools.dev.demo --keep $(DEMO_ARGS)

# The suite runs in TEST_WORKERS processes (pytest-xdist; three on two cores, as
# most tests wait on brokers, servers and boards); a test file stays in
# one process, so its module fixtures (brokers, clusters) start once. Files
# are handed out in tests/conftest.py's order, the longest first:
# pytest-xdist would otherwise sort them by their number of tests, which put
# the long one-test files at the end.
TEST_WORKERS ?= 3
test: $(INSTALLED) system-deps broker-deps browser-deps $(UMQTT) $(UPLOT)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25 tests

venv: $(INSTALLED)

# Debian and Ubuntu split venv's pip bootstrap into python3-venv.
$(PY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); \
	  tools/ensure-packages python3-venv= && $(PYTHON) -m venv $(VENV); }

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# Mosquitto (the broker), PostgreSQL (the key server's multi-instance store) and
# nginx (the lookup cache in front of several instances, deploy/nginx/)
# come from Debian/Ubuntu packages; the demo (SQLite) needs only Mosquitto.
demo-deps:
	@tools/ensure-packages mosquitto=/usr/sbin/mosquitto

system-deps: demo-deps
	@tools/ensure-packages 'postgresql=/usr/lib/postgresql/*/bin/initdb' nginx=/usr/sbin/nginx

# RabbitMQ (its MQTT plugin, two nodes on this machine) for the clustered-broker
# test, tests/brokers/test_rabbitmq_cluster.py; deploy/rabbitmq/ holds its config.
broker-deps:
	@tools/ensure-packages rabbitmq-server=/usr/lib/rabbitmq/bin/rabbitmq-server

# Local key server on http://127.0.0.1:$(KEYSERVER_PORT): SQLite file and server
# key in instance/ (the key is made on the first run), e-mails printed here.
KEYSERVER_INSTANCE ?= $(CURDIR)/instance
KEYSERVER_PORT ?= 5000
.PHONY: serve
serve: $(INSTALLED)
	@[ -f "$(KEYSERVER_INSTANCE)/server.key" ] || $(PY) -m keyserver.cli --instance "$(KEYSERVER_INSTANCE)" init
	NES_KEYSERVER_MAIL_MODE=console $(PY) -m keyserver.cli --instance "$(KEYSERVER_INSTANCE)" serve --port $(KEYSERVER_PORT)

# Benchmarks (bench/): prints a table, writes bench/results.json and
# bench/RESULTS.md. Needs the `bench` extra (cryptography, the OpenSSL
# reference) and, from Debian packages, nginx (the static-file ceiling) and wrk
# (the HTTP load generator).
BENCH_INSTALLED := $(VENV)/.installed-bench
BENCH_ARGS ?=
.PHONY: bench bench-deps
bench: $(BENCH_INSTALLED) system-deps bench-deps
	$(PY) -m bench $(BENCH_ARGS)

$(BENCH_INSTALLED): pyproject.toml $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@touch $@

bench-deps:
	@tools/ensure-packages nginx=/usr/sbin/nginx wrk=wrk

# Board file trees build/firmware/{esp32,pico_w,unix}/: firmware/ and the board
# profile compiled to .mpy by mpy-cross, with umqtt.simple fetched from PyPI
# (micropython-umqtt.simple; never kept in the repository).
.PHONY: firmware
firmware: $(INSTALLED) $(UMQTT)
	$(PY) tools/build_firmware.py

$(UMQTT): | $(INSTALLED)
	$(PY) tools/fetch_umqtt.py

# The dashboard's chart library, uPlot, from the npm registry (`npm pack`,
# SHA-256 pinned in the script; never kept in the repository).
$(UPLOT): | $(INSTALLED)
	@tools/ensure-packages npm=npm
	$(PY) tools/fetch_uplot.py

# The browser the dashboard tests drive through Playwright (Debian's Chromium;
# Playwright's own browser downloads are not used).
.PHONY: browser-deps
browser-deps:
	@tools/ensure-packages chromium=/usr/bin/chromium
