# yujing — make demo / make test set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-deps demo-deps demo test lint bench clean
.NOTPARALLEL:  # the system parts (python3-venv among them) before .venv


install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# LibreOffice, fonts, poppler, Chromium …: installed with apt-get where this is root (or has
# passwordless sudo) on Debian/Ubuntu; elsewhere it says what is missing and how to install it.
system-deps:
	$(PYTHON) scripts/system_deps.py

demo-deps:
	$(PYTHON) scripts/system_deps.py --for demo

demo: demo-deps install
	bash demo/run.sh

test: system-deps install
	$(BIN)/python -m pytest
	$(BIN)/ruff check yujing tests bench demo scripts
	$(BIN)/mypy yujing scripts

lint: install
	$(BIN)/ruff check yujing tests bench demo scripts
	$(BIN)/mypy yujing scripts

bench: install
	$(BIN)/python bench/bench_assess.py

clean:
	rm -rf $(VENV) demo-workspace *.egg-info
