# citewarc: `make archive URL=...` archives a story; `make test` installs what the tests need and runs them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?=
DEPTH  ?=
PYTEST_ARGS ?=
BENCH_ARGS ?=
QUALITY_ARGS ?=

REPLAY_VENV ?= .venv-replay
CRAWL ?=
PORT  ?= 8080
LOG   ?=
EVERY ?= 6h

.PHONY: install install-test archive crawl cron replay test test-replay lint clean browser browser-optional redis bench bench-concurrency bench-browser bench-distributed bench-extraction quality

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-install
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# pywb lives in its own environment: its pins clash with the crawler's. Built here so that
# `citewarc replay` works offline afterwards.
$(REPLAY_VENV)/.stamp-replay: replay-requirements.txt
	$(PYTHON) -m venv $(REPLAY_VENV)
	$(REPLAY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(REPLAY_VENV)/bin/python -m pip install --quiet -r replay-requirements.txt
	touch $@

# ReplayWeb.page's own loader (npm package), kept beside pywb so the viewer also works offline.
RWP_VERSION ?= 2.4.6
$(REPLAY_VENV)/.stamp-rwp: $(REPLAY_VENV)/.stamp-replay
	rm -rf $(REPLAY_VENV)/replaywebpage && mkdir -p $(REPLAY_VENV)/replaywebpage
	cd $(REPLAY_VENV)/replaywebpage && npm pack --silent replaywebpage@$(RWP_VERSION) >/dev/null \
	  && tar xzf replaywebpage-$(RWP_VERSION).tgz && rm replaywebpage-$(RWP_VERSION).tgz
	touch $@

install: $(VENV)/.stamp-install $(REPLAY_VENV)/.stamp-replay $(REPLAY_VENV)/.stamp-rwp browser-optional  ## crawler (.venv), replay (.venv-replay), chromium

# Debian's headless Chromium: pages built by scripts (--browser) and the replay fidelity tests.
# Without it (no root, no apt-get) the crawler still works: --browser auto falls back to static
# captures and says so; `make test` needs it and fails here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (apt-get)"; \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); }

# Debian's redis-server: the distributed tests start their own on a loopback port
# (tests/servers/redis_server.py). Crawls without --redis never need it.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing Debian's redis-server (apt-get)"; \
	  (apt-get install -y -q redis-server >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q redis-server >/dev/null)); }

# For `make archive`: try to install chromium, but archive anyway without it (static captures).
browser-optional:
	@$(MAKE) --no-print-directory browser || \
	  echo "citewarc: chromium could not be installed (apt-get needs root): pages built by scripts are captured static only" >&2

install-test: $(VENV)/.stamp-test

archive: $(VENV)/.stamp-install browser-optional  ## make archive URL=https://... [STORE=s3://bucket/prefix] [DEPTH=1]
	@test -n "$(URL)" || { echo "usage: make archive URL=https://example.com/story [STORE=...] [DEPTH=N]" >&2; exit 2; }
	$(BIN)/citewarc archive $(URL) $(if $(STORE),--store $(STORE)) $(if $(DEPTH),--depth $(DEPTH))

# No install prerequisite on purpose: under cron a changed pyproject.toml must not start pip.
# For cron itself use the line `citewarc cron` prints: make turns every failure into exit 2.
crawl:  ## make crawl JOB=jobs/x.yaml [STORE=...] [LOG=file]: one quiet run of a job
	@test -n "$(JOB)" || { echo "usage: make crawl JOB=path/to/job.yaml [STORE=...] [LOG=file]" >&2; exit 2; }
	@test -x $(BIN)/citewarc || { echo "citewarc: error: no $(BIN)/citewarc: run make install first" >&2; exit 2; }
	@$(BIN)/citewarc crawl $(JOB) $(if $(STORE),--store $(STORE)) $(if $(LOG),--log-file $(LOG))

cron:  ## make cron JOB=jobs/x.yaml [EVERY=6h] [STORE=...]: print the crontab line for a job
	@test -n "$(JOB)" || { echo "usage: make cron JOB=path/to/job.yaml [EVERY=6h] [STORE=...]" >&2; exit 2; }
	@$(BIN)/citewarc cron $(JOB) --every $(EVERY) $(if $(STORE),--store $(STORE)) $(if $(LOG),--log-file $(LOG))

replay: $(VENV)/.stamp-install $(REPLAY_VENV)/.stamp-replay  ## make replay [CRAWL=id] [STORE=...] [PORT=8080]
	$(BIN)/citewarc replay $(CRAWL) $(if $(STORE),--store $(STORE)) --port $(PORT)

test: $(VENV)/.stamp-test $(REPLAY_VENV)/.stamp-rwp browser redis  ## unit + integration tests (start their own servers)
	$(BIN)/ruff check crawler pipelines settings tests
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

test-replay: $(VENV)/.stamp-test $(REPLAY_VENV)/.stamp-rwp browser  ## only the replay tests (pywb, Chromium)
	$(BIN)/python -m pytest -q tests/integration/test_replay*.py tests/integration/test_wacz.py

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check crawler pipelines settings tests bench

# Performance against wget + trafilatura and the extraction ceiling (README, Performance); minutes
# to an hour, never part of `make test`. e.g. make bench BENCH_ARGS="--pages 300 --reps 3"
bench: $(VENV)/.stamp-install  ## make bench [BENCH_ARGS="--quick | --pages N --reps R --real-pages DIR"]
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The labelled development set (tests/quality/README.md): citewarc's text, metadata and citations
# against trafilatura alone, from the committed archives; about two minutes on 2 cores, never part of
# `make test`. e.g. make quality QUALITY_ARGS="--source wcxb --limit 50 --pages-out x.rows.jsonl"
quality: $(VENV)/.stamp-install  ## make quality [QUALITY_ARGS="--source S --limit N --labels DIR --external ZYTE"]
	$(BIN)/python tests/quality/run.py $(QUALITY_ARGS)

# Extraction CPU per page on the development set: this checkout against the commit before the text
# and citation work (issue 13), alternating fresh processes. e.g. make bench-extraction BENCH_ARGS="--reps 5"
bench-extraction: $(VENV)/.stamp-install  ## make bench-extraction [BENCH_ARGS="--baseline REF --reps R --limit N"]
	$(BIN)/python bench/extraction_speed.py $(BENCH_ARGS)

# The concurrency defaults' evidence: pages/s against per-host load on the real-web profile.
bench-concurrency: $(VENV)/.stamp-install  ## make bench-concurrency [BENCH_ARGS="--pages N --reps R"]
	$(BIN)/python bench/concurrency.py $(BENCH_ARGS)

# The browser's cost: --browser never, auto and always over the same corpus (wall, pages/s, CPU,
# peak memory of the whole tree with Chromium), and what auto's signals say on real pages.
bench-browser: $(VENV)/.stamp-install browser  ## make bench-browser [BENCH_ARGS="--pages N --reps R --latency-ms 0,100"]
	$(BIN)/python bench/browser.py $(BENCH_ARGS)
	$(BIN)/python bench/browser_signals.py

# One crawl shared through Redis by 1, 2 and 4 local workers against one process (real-web profile),
# and Redis's memory per queued request, seen and done entry, projected to 1 million pages.
bench-distributed: $(VENV)/.stamp-install redis  ## make bench-distributed [BENCH_ARGS="--pages N --reps R --workers 1,2,4"]
	$(BIN)/python bench/distributed.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
