# pn.website + sopansible
#
#   make demo   set up everything on a fresh Debian/Ubuntu machine, start a demo fleet of three
#               court servers in containers (one on WordPress), run the daily SOP cycle and write the reports
#   make test   lint, sanity, unit, integration (court containers), execution environment and molecule tests
#
# Both install what they need: Debian packages (needs root), the Python environment in .venv
# (pinned in requirements/lock.txt) and the court server image (built locally with debootstrap).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Debian's interpreter (the one python3-venv is for): built with profile-guided and link-time
# optimisation, it runs Ansible and the log engine faster than a self-compiled python3 on PATH.
PYTHON ?= /usr/bin/python3
COLLECTION := collections/ansible_collections/pn/website
SYSTEM_PACKAGES := podman runc debootstrap restic rclone goaccess uidmap openssh-client mariadb-client curl python3-venv ca-certificates \
  chromium fonts-dejavu-core fonts-liberation postgresql
ANSIBLE_TEST_PIP := $(HOME)/.ansible/test/cache/get_pip_24_2.py

export CONTAINERS_CONF := $(CURDIR)/containers/containers.conf
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)

.PHONY: help demo demo-stop test test-ee lint sanity unit integration molecule bench system-deps venv image ee build changelog clean

help:
	@sed -n '3,10p' Makefile | sed 's/^# \{0,1\}//'

## Set-up --------------------------------------------------------------------------------------

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo ">> installing Debian packages:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "make: root is needed to install" $$missing >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements/lock.txt pyproject.toml | system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

image: system-deps
	images/court/build.sh

# The execution environment of AWX jobs (execution-environment.yml), built with ansible-builder on a
# Debian base image built here too; the fleet tests run the daily cycle inside it (see docs/awx.md).
ee: system-deps venv
	images/ee/build.sh

build: venv
	cd $(COLLECTION) && $(BIN)/ansible-galaxy collection build --force --output-path $(CURDIR)/.cache/dist

# The collection's CHANGELOG.md, from changelogs/changelog.yaml (a change is a fragment in
# changelogs/fragments/<branch>.yml; `antsibull-changelog release --version X` files them under a release).
changelog: venv
	cd $(COLLECTION) && $(BIN)/antsibull-changelog lint && $(BIN)/antsibull-changelog generate

## Demo ----------------------------------------------------------------------------------------

demo: system-deps venv image
	@inventory=$$($(BIN)/python -m tests.fleet start --name demo --courts 3 --cms pt-bengkulu=wordpress); \
	echo ">> demo fleet inventory: $$inventory"; \
	$(BIN)/sopansible inventory check -i $$inventory; \
	rc=0; $(BIN)/sopansible run harian -i $$inventory || rc=$$?; \
	if [ $$rc -ge 3 ]; then echo "make demo: the daily cycle failed (exit code $$rc, see above)" >&2; exit $$rc; fi; \
	echo ">> reports: $(CURDIR)/var/reports/index.html (SOP status exit code $$rc: 0 ok, 1 warnings," \
	  "2 critical findings; stop the fleet with 'make demo-stop')"

demo-stop: venv
	$(BIN)/python -m tests.fleet stop --name demo

## Tests ---------------------------------------------------------------------------------------

test: lint sanity unit integration test-ee molecule

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint --profile production --offline
	cd $(COLLECTION) && $(BIN)/antsibull-changelog lint

$(ANSIBLE_TEST_PIP): scripts/ansible-test-get-pip.py
	@mkdir -p $(dir $@)
	cp $< $@

sanity: venv $(ANSIBLE_TEST_PIP)
	cd $(COLLECTION) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

# One worker per core (pytest-xdist), each taking whole test files: a file's fixtures start once.
unit: venv
	$(BIN)/pytest -q --durations=15 -n auto --dist loadfile -m "not fleet" tests/unit $(COLLECTION)/tests/unit

integration: venv image
	$(BIN)/pytest -q --durations=15 -m "fleet and not ee" tests/integration

# The daily cycle inside the execution environment, as AWX runs it (builds the EE image first), in a
# session of its own: its courts are not the ones the other integration tests change.
test-ee: venv image ee
	$(BIN)/pytest -q -m ee tests/integration

molecule: venv image
	@for scenario in molecule/*/molecule.yml; do \
	  name=$$(basename $$(dirname $$scenario)); \
	  echo ">> molecule test -s $$name"; \
	  $(BIN)/molecule test -s $$name; \
	done

bench: venv image
	@for bench in tests/benchmarks/bench_*.py; do echo ">> $$bench"; $(BIN)/python $$bench; done

clean:
	-$(BIN)/python -m tests.fleet stop --name demo
	rm -rf .cache var $(COLLECTION)/tests/output
