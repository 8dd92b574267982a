# citewarc: `make archive URL=...` archives a story; `make test` installs what the tests need and runs them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?=
DEPTH  ?=
PYTEST_ARGS ?=

.PHONY: install install-test archive test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-install
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.stamp-install  ## the crawler and its console script in .venv

install-test: $(VENV)/.stamp-test

archive: $(VENV)/.stamp-install  ## make archive URL=https://... [STORE=s3://bucket/prefix] [DEPTH=1]
	@test -n "$(URL)" || { echo "usage: make archive URL=https://example.com/story [STORE=...] [DEPTH=N]" >&2; exit 2; }
	$(BIN)/citewarc archive $(URL) $(if $(STORE),--store $(STORE)) $(if $(DEPTH),--depth $(DEPTH))

test: $(VENV)/.stamp-test  ## unit and integration tests (starts the fixture web and SeaweedFS itself)
	$(BIN)/ruff check crawler pipelines settings tests
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check crawler pipelines settings tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
