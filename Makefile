# The two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data
HTTP_ADDR ?= 127.0.0.1
HTTP_PORT ?= 8080
SIP_ADDR ?= 127.0.0.1
SIP_PORT ?= 5060
BOARD ?= boards/sim.toml
# What pjproject/build-wheel.sh needs to build pjsua2 from source (Opus is optional).
PJSUA2_BUILD_PACKAGES := build-essential patch swig python3-dev libssl-dev uuid-dev pkg-config libopus-dev
APT_PACKAGES := kamailio kamailio-sqlite-modules kamailio-presence-modules sip-tester sqlite3 espeak-ng sox libsox-fmt-mp3 \
	libportaudio2 python3-venv baresip-core openssl chromium \
	mmdebstrap qemu-system-x86 syslinux syslinux-common dosfstools mtools fdisk e2fsprogs python3-pip \
	slapd ldap-utils $(PJSUA2_BUILD_PACKAGES)
# Built wheels, keyed by source + config hash; shared by every checkout of this user.
PJSUA2_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/minipbx/pjsua2
PJSUA2_JOBS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
# Parallel test processes (pytest-xdist), one per core; each gets its own addresses and ports
# (tests/support/parallel.py).
PYTEST_WORKERS ?= 2

.PHONY: run test deps apt venv pjsua2 pjsua2-arm64 lint typecheck unit bench clean prompts web

run: deps prompts
	@$(BIN)/minipbx --data $(DATA) demo-seed --sip-addr $(SIP_ADDR) --sip-port $(SIP_PORT)
	@exec $(BIN)/minipbx --data $(DATA) run --board $(BOARD) --sip-addr $(SIP_ADDR) --sip-port $(SIP_PORT) \
	  --http-addr $(HTTP_ADDR) --http-port $(HTTP_PORT) --admin-pin-dir $(DATA)/appliance

# Two runs: the tests in parallel, then the whole_machine ones (the image booted under full
# emulation) alone, which a host busy with other tests starves. Exit 5 is "no test selected"
# (a PYTEST_ARGS that picks tests of one kind only). The Pi's pjsua2 wheel is built (or taken
# from the cache) first, so its load test under qemu runs instead of being skipped.
test: deps prompts lint typecheck pjsua2-arm64
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not whole_machine" $(PYTEST_ARGS); parallel=$$?; \
	$(BIN)/python -m pytest -m whole_machine $(PYTEST_ARGS); alone=$$?; \
	for code in $$parallel $$alone; do [ $$code -eq 0 ] || [ $$code -eq 5 ] || exit 1; done; \
	[ $$parallel -eq 0 ] || [ $$alone -eq 0 ]

deps: apt venv web

# The web admin's Chart.js and qrcode-generator, from the npm registry at the versions package-lock.json pins.
web:
	@firmware/web/vendor.sh

# Debian packages: installed only when one is missing, so a ready machine skips apt.
apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

# pjsua2 comes from our own wheel (pjproject/): built once per source + config hash,
# installed before the firmware so that setup.py's `pjsua2==2.16` is already met.
$(VENV)/.installed: setup.py pjproject/build-wheel.sh pjproject/load_test.py pjproject/config_site.h | apt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# A venv from before our own build holds PyPI's pjsua2-python, whose module shadows ours.
	@! $(BIN)/python -m pip show -q pjsua2-python 2>/dev/null || $(BIN)/python -m pip uninstall -q -y pjsua2-python
	@wheel=$$(pjproject/build-wheel.sh --cache "$(PJSUA2_CACHE)" --jobs $(PJSUA2_JOBS) --python $(PYTHON)) && \
	  echo "installing $$wheel" && \
	  $(BIN)/python -m pip install -q --force-reinstall --no-deps "$$wheel" && \
	  $(BIN)/python -m pip install -q --find-links "$$(dirname "$$wheel")" -e '.[test]'
	@touch $@

# The pjsua2 wheel alone (prints its path); `make venv` builds it when needed.
pjsua2: | apt
	@pjproject/build-wheel.sh --cache "$(PJSUA2_CACHE)" --jobs $(PJSUA2_JOBS) --python $(PYTHON)

# The Raspberry Pi's linux_aarch64 wheel (prints its path): cross-compiled and load-tested
# under qemu-aarch64-static; the script installs the cross toolchain and the arm64 sysroot.
pjsua2-arm64: | apt
	@pjproject/build-wheel.sh --arch aarch64 --cache "$(PJSUA2_CACHE)" --jobs $(PJSUA2_JOBS)

lint: venv
	$(BIN)/ruff check firmware hal tests bench

typecheck: venv
	$(BIN)/mypy firmware hal

bench: deps prompts
	$(BIN)/python -m bench.idle
	$(BIN)/python -m bench.calls
	$(BIN)/python -m bench.conference
	$(BIN)/python -m bench.lamps
	$(BIN)/python -m bench.web

# System prompts (espeak-ng, 8 kHz WAV) in build/prompts/<lang>/<name>.wav; unchanged ones are skipped.
prompts: deps
	$(BIN)/python -m firmware.prompts.build --out build/prompts

clean:
	rm -rf $(VENV) build *.egg-info
