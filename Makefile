# citewarc: `make archive URL=...` archives a story; `make test` installs what the tests need and runs them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?=
DEPTH  ?=
PYTEST_ARGS ?=

REPLAY_VENV ?= .venv-replay
CRAWL ?=
PORT  ?= 8080

.PHONY: install install-test archive crawl replay test lint clean browser

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

install: $(VENV)/.stamp-install $(REPLAY_VENV)/.stamp-replay  ## crawler (.venv) and replay (.venv-replay)

# Debian's headless Chromium for the replay fidelity tests.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (apt-get)"; \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); }

install-test: $(VENV)/.stamp-test

archive: $(VENV)/.stamp-install  ## make archive URL=https://... [STORE=s3://bucket/prefix] [DEPTH=1]
	@test -n "$(URL)" || { echo "usage: make archive URL=https://example.com/story [STORE=...] [DEPTH=N]" >&2; exit 2; }
	$(BIN)/citewarc archive $(URL) $(if $(STORE),--store $(STORE)) $(if $(DEPTH),--depth $(DEPTH))

crawl: $(VENV)/.stamp-install  ## make crawl JOB=examples/job.yaml [STORE=...]: one run of a scheduled job
	@test -n "$(JOB)" || { echo "usage: make crawl JOB=path/to/job.yaml [STORE=...]" >&2; exit 2; }
	$(BIN)/citewarc crawl $(JOB) $(if $(STORE),--store $(STORE))

replay: $(VENV)/.stamp-install $(REPLAY_VENV)/.stamp-replay  ## make replay [CRAWL=id] [STORE=...] [PORT=8080]
	$(BIN)/citewarc replay $(CRAWL) $(if $(STORE),--store $(STORE)) --port $(PORT)

test: $(VENV)/.stamp-test $(REPLAY_VENV)/.stamp-replay browser  ## unit + integration tests (start their own servers)
	$(BIN)/ruff check crawler pipelines settings tests
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check crawler pipelines settings tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
