# Bancheng (办成) — developer and CI entry points.
#   make run     install, migrate, load the demo, serve http://127.0.0.1:8000
#   make test    install what tests need, run the whole suite on SQLite and on PostgreSQL
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV_PY := .venv/bin/python
export PYTHON
# Playwright drives Debian's /usr/bin/chromium; it must never download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export BANCHENG_ES_URL ?= http://127.0.0.1:9200

# Search benchmark inputs (the shared NCP policy Q&A set beside the repo).
BENCH_DIR ?= ../shared/bench/ncp
DOCS ?= $(BENCH_DIR)/docs.jsonl
QUERIES ?= $(BENCH_DIR)/queries-dev.jsonl
LATENCY_DOCS ?= 10000
# Case-desk benchmark: cases in the throwaway database.
BENCH_CASES ?= 20000
# Page benchmark: seconds per URL, wrk threads and connections.
BENCH_DURATION ?= 10
BENCH_THREADS ?= 2
BENCH_CONNECTIONS ?= 16
# e.g. BENCH_ARGS=--no-page-cache to see what the page cache buys
BENCH_ARGS ?=

# Load run: users, seconds; LOAD_DEPLOYMENTS picks embedded and/or cluster (PostgreSQL + 3-node ES).
LOAD_USERS ?= 25,50,100,150
LOAD_SECONDS ?= 120
LOAD_DEPLOYMENTS ?= embedded cluster
LOAD_PG_URL ?= postgres://bancheng@127.0.0.1:54329/bancheng_load

.PHONY: help run test venv deps es es-stop es-cluster es-cluster-stop pg pg-stop bench-pages bench-search bench-cases bench-load bench-drills

help:
	@echo "make run           serve the demo on http://127.0.0.1:8000 (admin at /admin/)"
	@echo "make test          whole suite twice: SQLite, then PostgreSQL (starts ES + PG)"
	@echo "make es | es-stop  local Elasticsearch on $(BANCHENG_ES_URL)"
	@echo "make es-cluster | es-cluster-stop  three-node Elasticsearch on 127.0.0.1:9201-9203"
	@echo "make pg | pg-stop  local PostgreSQL on 127.0.0.1:54329 (prints DATABASE_URL)"
	@echo "make bench-pages   page throughput under gunicorn vs a hello-world view"
	@echo "make bench-search  search relevance (DOCS, QUERIES) and latency (LATENCY_DOCS)"
	@echo "make bench-cases   case-desk pages per role with BENCH_CASES cases (temporary SQLite)"
	@echo "make bench-load    locust field mix on gunicorn + worker: embedded, then PostgreSQL + 3-node ES"
	@echo "make bench-drills  faults during load (ES node, ES cluster, PostgreSQL), checks nothing is lost"

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(PYTEST_ARGS)

venv:
	bash scripts/venv.sh test

deps:
	bash scripts/system-deps.sh

es:
	bash scripts/es.sh start

es-stop:
	bash scripts/es.sh stop

es-cluster:
	bash scripts/es.sh cluster-start

es-cluster-stop:
	bash scripts/es.sh cluster-stop

pg:
	bash scripts/pg.sh start

pg-stop:
	bash scripts/pg.sh stop

bench-pages:
	bash scripts/system-deps.sh bench
	bash scripts/venv.sh
	$(VENV_PY) scripts/bench_pages.py --duration $(BENCH_DURATION) \
		--threads $(BENCH_THREADS) --connections $(BENCH_CONNECTIONS) $(BENCH_ARGS)

bench-search:
	bash scripts/venv.sh
	bash scripts/es.sh start
	$(VENV_PY) -m search.bench relevance --docs $(DOCS) --queries $(QUERIES) --engine embedded
	$(VENV_PY) -m search.bench relevance --docs $(DOCS) --queries $(QUERIES) --engine elasticsearch
	$(VENV_PY) -m search.bench latency --docs $(LATENCY_DOCS)

bench-cases:
	bash scripts/venv.sh
	$(VENV_PY) -m cases.bench --cases $(BENCH_CASES)

bench-load:
	bash scripts/venv.sh test
	@for d in $(LOAD_DEPLOYMENTS); do \
		if [ "$$d" = cluster ]; then \
			bash scripts/pg.sh start >/dev/null && \
			urls="$$(bash scripts/es.sh cluster-start | tail -n 1)" && \
			$(VENV_PY) -m portal.loadtest run --deployment cluster --database-url $(LOAD_PG_URL) \
				--es-url "$$urls" --users $(LOAD_USERS) --seconds $(LOAD_SECONDS) || exit 1; \
		else \
			$(VENV_PY) -m portal.loadtest run --deployment embedded \
				--users $(LOAD_USERS) --seconds $(LOAD_SECONDS) || exit 1; \
		fi; \
	done

bench-drills:
	bash scripts/venv.sh test
	$(VENV_PY) -m portal.loadtest drills
