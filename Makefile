# The two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data
SIP_ADDR ?= 127.0.0.1
SIP_PORT ?= 5060
BOARD ?= boards/sim.toml
# What pjproject/build-wheel.sh needs to build pjsua2 from source (Opus is optional).
PJSUA2_BUILD_PACKAGES := build-essential patch swig python3-dev libssl-dev uuid-dev pkg-config libopus-dev
APT_PACKAGES := kamailio kamailio-sqlite-modules sip-tester sqlite3 espeak-ng sox libsox-fmt-mp3 \
	libportaudio2 python3-venv \
	mmdebstrap qemu-system-x86 syslinux syslinux-common dosfstools mtools fdisk e2fsprogs python3-pip \
	$(PJSUA2_BUILD_PACKAGES)
# Built wheels, keyed by source + config hash; shared by every checkout of this user.
PJSUA2_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/minipbx/pjsua2
PJSUA2_JOBS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: run test deps apt venv pjsua2 lint typecheck unit bench clean prompts

run: deps prompts
	@$(BIN)/minipbx --data $(DATA) demo-seed --sip-addr $(SIP_ADDR) --sip-port $(SIP_PORT)
	@exec $(BIN)/minipbx --data $(DATA) run --board $(BOARD) --sip-addr $(SIP_ADDR) --sip-port $(SIP_PORT)

test: deps prompts lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

deps: apt venv

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
$(VENV)/.installed: setup.py pjproject/build-wheel.sh pjproject/config_site.h | apt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@wheel=$$(pjproject/build-wheel.sh --cache "$(PJSUA2_CACHE)" --jobs $(PJSUA2_JOBS) --python $(PYTHON)) && \
	  echo "installing $$wheel" && \
	  $(BIN)/python -m pip install -q --force-reinstall --no-deps "$$wheel" && \
	  $(BIN)/python -m pip install -q --find-links "$$(dirname "$$wheel")" -e '.[test]'
	@touch $@

# The pjsua2 wheel alone (prints its path); `make venv` builds it when needed.
pjsua2: | apt
	@pjproject/build-wheel.sh --cache "$(PJSUA2_CACHE)" --jobs $(PJSUA2_JOBS) --python $(PYTHON)

lint: venv
	$(BIN)/ruff check firmware hal tests bench

typecheck: venv
	$(BIN)/mypy firmware hal

bench: deps prompts
	$(BIN)/python -m bench.calls

# System prompts (espeak-ng, 8 kHz WAV) in build/prompts/<lang>/<name>.wav; unchanged ones are skipped.
prompts: deps
	$(BIN)/python -m firmware.prompts.build --out build/prompts

clean:
	rm -rf $(VENV) build *.egg-info
