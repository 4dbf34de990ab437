# Dissuasion Console — two commands: `make run` and `make test`.
# Both set up everything first: missing Debian/Ubuntu packages, the virtualenv, the project.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Qt runtime, a virtual screen, a CJK TrueType font for Qt and PDFs, Mandarin TTS, PostgreSQL for the
# multi-seat engine and its tests, PDF rendering and audio inspection used by the tests, the SIP
# engine of each seat (baresip) and SIPp for the scripted far ends of the telephony tests.
SYSTEM_PACKAGES := libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 \
	libxcb-render-util0 libxcb-image0 libxcb-xinerama0 xvfb xauth fonts-wqy-microhei \
	libespeak-ng1 espeak-ng espeak-ng-data postgresql poppler-utils sox baresip-core sip-tester python3-venv

.PHONY: run test bench lint typecheck deb system-packages setup clean

run: setup
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "没有检测到显示器（DISPLAY 未设置），在虚拟屏幕上运行。"; \
		xvfb-run -a -s "-screen 0 1600x1000x24" $(BIN)/dissuade gui --demo; \
	else \
		$(BIN)/dissuade gui --demo; \
	fi

# The whole suite, after ruff, the import contracts and mypy; it also builds, installs and removes the
# .deb (tests/test_package.py, a few minutes).
test: lint typecheck
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check console db scripts_library tests bench tools
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench.run_all

# The installable package for Debian, Ubuntu, Kylin and UOS: dist/dissuasion-console_<version>_amd64.deb
deb: setup
	$(BIN)/python tools/build_deb.py --out dist

setup: system-packages $(STAMP)

system-packages:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "安装系统软件包:$$missing"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "缺少系统软件包，请先运行："; \
			echo "  sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# Byte-code once at install: with PYTHONDONTWRITEBYTECODE set, every start would compile again.
	# (A few third-party files are deliberately not Python 3.11; their errors are not ours.)
	$(BIN)/python -m compileall -q -j 0 console db scripts_library \
		"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null || true
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info
