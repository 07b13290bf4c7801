# Developer and CI entry points. `make test` is what CI runs (via .ci/run) on a fresh clone.
#
#   make run        serve the app on http://localhost:$(PORT)
#   make public     publish the public extract (data/public) and serve the public app on http://localhost:$(PUBLIC_PORT)
#   make test       lint, then the whole pytest suite (unit, AppTest, browser)
#   make lint       ruff
#   make bench      every benchmark in one run, results into BENCHMARKS.md (BENCH_ARGS="--quick" for a smoke test)
#   make demo       regenerate data/demo
#   make vendor     re-fetch static/vendor/ from npm (only when upgrading; the files are committed)
#   make clean      remove test artifacts and caches (distclean also removes .venv)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8501
# The public app (public_app.py): its own port, and only the public extract folder (see README "Public app").
PUBLIC_PORT ?= 8502
PUBLIC_DIR ?= data/public
# 0.0.0.0 serves the LAN; browser.serverAddress keeps Streamlit from looking up the external IP on start.
ADDRESS ?= 0.0.0.0
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
TEST_WORKERS ?= 2
# `make bench` options (see `python -m dashboard bench --help`); the default writes the results block of BENCHMARKS.md.
BENCH_ARGS ?= --write BENCHMARKS.md
# Debian packages the browser tests need: Chromium (driven by Playwright; never `playwright install`) and CJK
# fonts, without which Chinese text renders as boxes in screenshots (fontconfig provides the fc-list check); a Java
# runtime for the Spark engine's parity tests.
APT_PACKAGES := chromium fonts-noto-cjk fontconfig openjdk-17-jre-headless
SUDO := $(shell [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null || echo sudo)

.PHONY: help venv fonts run public test-deps system-deps test lint bench vendor demo clean distclean

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

$(PY):
	@test -n "$(PYTHON)" || { echo "python3.11 (or python3) not found" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt constraints.txt $(VENV)/.installed-runtime
	$(PY) -m pip install -r requirements-test.txt -c constraints.txt
	touch $@

venv: $(VENV)/.installed-runtime

# CJK fonts for the PNG chart exports (rendered on the server). Not fatal: without them only the PNG text suffers.
fonts:
	@if fc-list 2>/dev/null | grep -ci "Noto Sans CJK" >/dev/null; then \
		echo "fonts: Noto CJK present"; \
	else \
		echo "fonts: installing fonts-noto-cjk from Debian"; \
		( $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig ) \
			|| echo "fonts: could not install fonts-noto-cjk; PNG chart exports will lack Chinese glyphs" >&2; \
	fi

run: venv fonts
	$(PY) -m dashboard tiles
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS) --browser.serverAddress localhost

# Publish, then serve public_app.py on the extract only: static serving off (static/ holds the internal land-use
# tiles), no error details, and the internal store and demo folders pointed at nothing.
public: venv
	$(PY) -m dashboard publish-public --out $(PUBLIC_DIR)
	DASHBOARD_PUBLIC_DIR=$(abspath $(PUBLIC_DIR)) DASHBOARD_STORE=/nonexistent DASHBOARD_DEMO_DIR=/nonexistent \
		$(VENV)/bin/streamlit run public_app.py --server.port $(PUBLIC_PORT) --server.address $(ADDRESS) \
		--browser.serverAddress localhost --server.enableStaticServing false --client.showErrorDetails none \
		--client.toolbarMode minimal

system-deps:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -ci "Noto Sans CJK" >/dev/null && command -v java >/dev/null; then \
		echo "system-deps: chromium, Noto CJK fonts and java present"; \
	else \
		echo "system-deps: installing $(APT_PACKAGES) from Debian"; \
		$(SUDO) apt-get update; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(APT_PACKAGES); \
	fi

test-deps: $(VENV)/.installed-test system-deps

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

# The unit and AppTest tests run on $(TEST_WORKERS) workers (pytest-xdist: CPU-bound and independent), then the
# browser tests in one process (their paint waits and shared app server want the machine to themselves).
# PYTEST_ARGS (a path, -k …) runs just that, in one process.
test: test-deps lint
ifeq ($(strip $(PYTEST_ARGS)),)
	$(PY) -m pytest -q -p no:cacheprovider --durations=10 -n $(TEST_WORKERS) tests/unit tests/app
	$(PY) -m pytest -q -p no:cacheprovider --durations=10 tests/browser
else
	$(PY) -m pytest -q -p no:cacheprovider --durations=20 $(PYTEST_ARGS)
endif

# The benchmarks drive Chromium through Playwright (test requirements) and cut tiles: the same set-up as `make test`.
bench: test-deps
	$(PY) -m dashboard bench $(BENCH_ARGS)

vendor:
	$(or $(wildcard $(PY)),$(PYTHON)) scripts/vendor_js.py

demo: venv
	$(PY) -m dashboard demo

clean:
	rm -rf artifacts .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
