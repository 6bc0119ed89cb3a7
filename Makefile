# The README's commands.  Everything a fresh machine lacks is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint install install-test browser node nginx postgres clean

$(VENV)/.stamp-install: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.stamp-install

# Debian's Chromium for the browser tests, and CJK fonts so Chinese renders.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi
	@chromium --version

run: install
	$(VENV)/bin/changning-dashboard run --demo

# Node.js runs the tests of the shipped browser client (tests/js).
node:
	@command -v node >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs >/dev/null; }
	@node --version

test: install browser node nginx postgres
	$(VENV)/bin/ruff check dashboard layouts callbacks support tests bench scripts
	$(VENV)/bin/mypy dashboard layouts callbacks support
	node --test tests/js/
	$(PY) -m pytest -q -p no:cacheprovider

# nginx in front of several instances (bench/nginx_scale.py): Debian's package.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null; }

# PostgreSQL for the shared history archive (tests/integration/test_history.py, bench/history.py):
# Debian's package; support/postgres.py runs a throw-away cluster of it.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

bench: install browser nginx postgres
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check dashboard layouts callbacks support tests bench scripts
	$(VENV)/bin/mypy dashboard layouts callbacks support

clean:
	rm -rf $(VENV) build *.egg-info test-artifacts
