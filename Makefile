# yujing — make demo / make test set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-deps demo-deps demo test lint bench clean serve
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
	$(BIN)/ruff check yujing tests bench demo scripts tools
	$(BIN)/mypy yujing scripts

serve: install
	@test -f demo-workspace/yujing.toml || { echo "先运行 make demo（建立 demo-workspace 和演示账号）"; exit 1; }
	$(BIN)/yujing -w demo-workspace serve --host 127.0.0.1 --port $${PORT:-8000}

lint: install
	$(BIN)/ruff check yujing tests bench demo scripts tools
	$(BIN)/mypy yujing scripts

bench: install
	$(BIN)/python bench/bench_assess.py

clean:
	rm -rf $(VENV) demo-workspace *.egg-info bench/data
