# Two commands do all the setup on a fresh machine:
#   make run    - install into .venv and start the assistant (web server on 127.0.0.1:8080:
#                 website chat, health checks, Telegram when a token is set; SQLite default)
#   make test   - install into .venv (with dev tools) and run lint, content check and the tests
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

.PHONY: install run chat test bench lint
install: $(VENV)/.installed

run: install
	$(PY) -m bot.server

chat: install
	$(PY) -m bot chat

lint: install
	$(VENV)/bin/ruff check .
	$(PY) -m bot content check

test: lint
	$(PY) -m pytest -n 2  # two workers (pytest-xdist): each test has its own database copy

bench: install
	$(PY) bench/search_latency.py
	$(PY) bench/ask_latency.py
	$(PY) bench/teaching.py
	$(PY) bench/sqlite_transaction.py
	$(PY) bench/webhook_ack.py
	$(PY) bench/webhook_throughput.py
	$(PY) bench/broadcast_throughput.py
	$(PY) bench/report_generation.py
	$(PY) bench/multiward.py
