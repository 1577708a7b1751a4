SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PARAMS ?= params/program.yml
PYTEST_ARGS ?=
LAB_ARGS ?=
# the JupyterLab settings shipped with the project (notebooks/*.py open as notebooks on double-click)
LAB_SETTINGS := --LabApp.app_settings_dir=jupyter/lab/settings

.PHONY: help install test reports pdf validate sample lab bench bench-scale clean

help: ## list every target with a one-line description
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP) ## create the virtual environment (.venv) and install the project
	@echo "installed into $(VENV)"

test: $(STAMP) ## set up and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

reports: $(STAMP) ## set up and render every partner report, the overview and the index into reports/
	$(BIN)/partner-analytics render --params $(PARAMS)

pdf: $(STAMP) ## the reports, plus a PDF of the overview and of each partner report (needs chromium)
	$(BIN)/partner-analytics render --params $(PARAMS) --pdf

validate: $(STAMP) ## validate the embedded sample program (see `partner-analytics validate --help`)
	$(BIN)/partner-analytics validate sample

sample: $(STAMP) ## write the embedded sample program as CSV files into build/sample
	$(BIN)/partner-analytics sample build/sample

lab: $(STAMP) ## start JupyterLab at the repo root; notebooks open as notebooks (LAB_ARGS="--ip=0.0.0.0 --no-browser" in a container)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(LAB_SETTINGS) \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

bench: $(STAMP) ## benchmark rendering, the metric library and the 10M-deal scale benchmark (long)
	$(BIN)/python benchmarks/bench.py --scale

bench-scale: $(STAMP) ## only the scale benchmark: 100k partners, 1M / 10M / 100M deals (DuckDB; Spark, naive at 10M)
	$(BIN)/python benchmarks/bench.py --skip-render --skip-metrics --scale --scale-deals 1000000 10000000 100000000

clean: ## remove generated reports and build files (keeps .venv)
	find reports -mindepth 1 ! -name README.md -delete
	rm -rf build
