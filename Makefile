# NES — the README's commands. Every target is idempotent: a second run with
# nothing changed only checks stamps.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null && echo sudo)

.PHONY: demo test venv system-deps

demo: $(INSTALLED) system-deps
	@$(PY) -m host_tools.demo

test: $(INSTALLED) system-deps
	$(PY) -m pytest tests

venv: $(INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# Mosquitto (the broker) and PostgreSQL (the key server's multi-instance store)
# come from Debian/Ubuntu packages.
SYSTEM_PACKAGES := mosquitto postgresql
system-deps:
	@missing=""; \
	command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if ! command -v apt-get >/dev/null; then \
	    echo "error: need$$missing but apt-get is not available; install them with your package manager" >&2; exit 1; fi; \
	  if [ "$$(id -u)" != 0 ] && [ -z "$(SUDO)" ]; then \
	    echo "error: need$$missing; run as root or install sudo" >&2; exit 1; fi; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	    || { echo "error: could not install$$missing with apt-get" >&2; exit 1; }; \
	  for svc in $$missing; do $(SUDO) systemctl disable --now $$svc >/dev/null 2>&1 || true; done; \
	fi

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
# Root needs no sudo (and a container may have none).
BENCH_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: bench bench-deps
bench: $(BENCH_INSTALLED) system-deps bench-deps
	$(PY) -m bench $(BENCH_ARGS)

$(BENCH_INSTALLED): pyproject.toml $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@touch $@

bench-deps:
	@missing=""; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing="$$missing nginx"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing bench packages:$$missing"; \
	  if ! command -v apt-get >/dev/null; then \
	    echo "error: bench needs$$missing but apt-get is not available; install them with your package manager" >&2; exit 1; fi; \
	  if [ "$$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then \
	    echo "error: bench needs$$missing; run as root or install sudo" >&2; exit 1; fi; \
	  $(BENCH_SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(BENCH_SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	    || { echo "error: could not install$$missing with apt-get" >&2; exit 1; }; \
	  for svc in $$missing; do $(BENCH_SUDO) systemctl disable --now $$svc >/dev/null 2>&1 || true; done; \
	fi
