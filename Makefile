# yujing — make demo / make test set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean serve

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	bash demo/run.sh

test: install
	$(BIN)/python -m pytest
	$(BIN)/ruff check yujing tests bench demo
	$(BIN)/mypy yujing

serve: install
	@test -f demo-workspace/yujing.toml || { echo "先运行 make demo（建立 demo-workspace 和演示账号）"; exit 1; }
	$(BIN)/yujing -w demo-workspace serve --host 127.0.0.1 --port $${PORT:-8000}

lint: install
	$(BIN)/ruff check yujing tests bench demo
	$(BIN)/mypy yujing

bench: install
	$(BIN)/python bench/bench_assess.py

clean:
	rm -rf $(VENV) demo-workspace *.egg-info
