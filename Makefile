# taosim — one non-recursive Makefile.
#
#   make            build out/bin/taosim and out/lib/libtaosim.a
#   make deps       install the Debian packages taosim needs (when missing)
#   make MPI=1      the same build with Open MPI (mpirun -n K taosim run FILE)
#   make test       build and run every cmocka test binary (tests/test_*.c)
#   make check      the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-mpi   the MPI build, two ranks on loopback against the local run
#   make bench      build and run every benchmark (tests/bench_*.c)
#   make run        set up, then run the default job end to end
#   make plots      draw the pictures (gnuplot) from the CSVs in out/
#   make help       this list
#
# Rooms: every sim/<room>*.c except the CLI (sim/main.c, sim/cli_*.c) goes into
# libtaosim.a; tests/test_<room>.c is one cmocka binary; tests/support_*.c are
# helpers linked into every test and bench binary. New files need no Makefile edit.

VERSION := 0.1.0

CC      ?= cc
OPT     ?= -O2
SANFLAGS ?=
BUILD   ?= out/build
BIN     ?= out/bin/taosim
LIB     ?= out/lib/libtaosim.a

# Determinism: C11 (not gnu11, which lets GCC fuse a*b+c), no FP contraction, never fast-math.
CFLAGS   := -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -ffp-contract=off -fno-fast-math $(SANFLAGS)
CPPFLAGS := -Iinclude -D_POSIX_C_SOURCE=200809L -MMD -MP
LDFLAGS  := $(SANFLAGS)
LDLIBS   := -lgsl -lgslcblas -lcsv -linih -lm
TEST_LDLIBS := -lcmocka

DEB_PKGS := pkg-config libgsl-dev libcsv-dev libcmocka-dev libinih-dev gnuplot-nox

# make MPI=1: `mpirun -n K taosim run FILE` spreads a study over MPI ranks
# (Open MPI). Only the CLI (sim/cli_sweep.c) has an MPI code path; use a
# separate BUILD/BIN/LIB, e.g. make MPI=1 BUILD=out/build-mpi
# BIN=out/build-mpi/taosim LIB=out/build-mpi/libtaosim.a
ifeq ($(MPI),1)
CC       := mpicc
CPPFLAGS += -DTAOSIM_MPI
DEB_PKGS += libopenmpi-dev openmpi-bin
endif

CLI_SRC  := sim/main.c $(wildcard sim/cli_*.c)
LIB_SRC  := $(filter-out $(CLI_SRC),$(wildcard sim/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
SUP_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/support_*.c))
TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
BENCHES  := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/bench_*.c))

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY  := $(shell git diff --quiet HEAD -- sim include Makefile 2>/dev/null || echo -dirty)

all: $(BIN) $(LIB)                                  ## build the binary and the library

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# The version stamp is rebuilt every time so `taosim version` never lies about the commit.
$(BUILD)/sim/version.o: sim/version.c FORCE | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DTAOSIM_VERSION='"$(VERSION)"' \
	  -DTAOSIM_COMMIT='"$(GIT_COMMIT)$(GIT_DIRTY)"' \
	  -DTAOSIM_CFLAGS='"$(CC) $(CFLAGS)"' -c -o $@ $<

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(SUP_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(SUP_OBJ) $(LIB) $(TEST_LDLIBS) $(LDLIBS)

deps:                                               ## install missing Debian packages
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	    || { echo "deps: apt-get install failed" >&2; exit 1; }; \
	else \
	  echo "deps: missing Debian packages; install them with:" >&2; \
	  echo "  sudo apt-get install -y$$missing" >&2; exit 1; \
	fi

# Determinism guard: no ambient inputs in library rooms (the CLI may read the
# clock for progress display and the environment; the library may not).
BANNED := '\b(rand|srand|random|time|clock|clock_gettime|gettimeofday|getenv|getpid)\s*\('
lint:                                               ## library rooms read no clock, env or libc RNG
	@if grep -nE $(BANNED) $(LIB_SRC); then \
	  echo "lint: ambient input in a library room (see above); move it to the CLI"; exit 1; fi
	@echo "lint: ok"

test: lint $(TESTS) $(BIN)                          ## run every unit and CLI test
	@fail=0; for t in $(TESTS); do \
	  TAOSIM_BIN=$(BIN) $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; \
	if [ $$fail -ne 0 ]; then echo "make test: some tests FAILED"; exit 1; fi; \
	echo "make test: all $(words $(TESTS)) test binaries passed"

check:                                              ## tests under ASan + UBSan
	$(MAKE) test BUILD=out/build-san BIN=out/build-san/taosim LIB=out/build-san/libtaosim.a \
	  OPT="-O1 -fno-omit-frame-pointer" \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all"

# The MPI build in its own directory, then two ranks on loopback against the
# local run (tests/sweep_mpi.sh). Installs libopenmpi-dev and openmpi-bin.
MPI_DIRS := BUILD=out/build-mpi BIN=out/build-mpi/taosim LIB=out/build-mpi/libtaosim.a
test-mpi:                                           ## MPI build (make MPI=1); mpirun -n 2 gives the local bytes
	$(MAKE) MPI=1 $(MPI_DIRS) all
	tests/sweep_mpi.sh out/build-mpi/taosim

bench: $(BENCHES) $(BIN)                            ## benchmarks (figures for the issues)
	@set -e; for b in $(BENCHES); do TAOSIM_BIN=$(BIN) $$b; done

# The default job, end to end: the baseline scenario (out/baseline/) and the
# 256-year supply projection (out/supply/), then their pictures.
run: deps all                                       ## set up, build, run the default scenario, draw its plots
	$(BIN) run scenarios/baseline.ini
	$(BIN) supply --start-date 2025-01-07 --out out/supply
	@$(MAKE) --no-print-directory plots

# Pictures are pure functions of the CSVs: each script reads DIR/*.csv and
# writes DIR/*.png; a directory without its CSVs is skipped. A study's own
# picture is analysis/NAME.gp (NAME = the scenario's name, the directory's),
# drawn from its points.csv; of a study's runs only the first is drawn.
plots: deps                                         ## draw the pictures (gnuplot) from the CSVs in out/
	@n=0; for d in out/*/; do d=$${d%/}; name=$$(basename $$d); \
	  if [ -f $$d/supply.csv ] && [ -f $$d/halvings.csv ]; then \
	    gnuplot -e "dir='$$d'" analysis/supply.gp || exit 1; echo "plots: $$d/supply.png"; n=$$((n+1)); fi; \
	  if [ -f $$d/points.csv ] && [ -f analysis/$$name.gp ]; then \
	    gnuplot -e "dir='$$d'" analysis/$$name.gp || exit 1; echo "plots: $$d (analysis/$$name.gp)"; n=$$((n+1)); fi; \
	  if [ -f $$d/case.csv ]; then \
	    gnuplot -e "dir='$$d'" analysis/case.gp || exit 1; echo "plots: $$d/case.png"; n=$$((n+1)); fi; \
	  for r in $$d $$d/run-0000; do if [ -f $$r/supply.csv ] && [ -f $$r/subnets.csv ]; then \
	    gnuplot -e "dir='$$r'" analysis/run.gp || exit 1; \
	    echo "plots: $$r/{supply,emission_share,lock_burn,stake_concentration}.png"; n=$$((n+1)); fi; done; \
	done; [ $$n -gt 0 ] || echo "plots: no CSVs in out/ yet (make run first)"

clean:                                              ## remove build products (keeps run outputs)
	rm -rf out/build out/build-san out/build-mpi out/bin out/lib

help:                                               ## this list
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/^([a-z-]+):.*## /  \1\t/'

FORCE:
.PHONY: all deps lint test check test-mpi bench run plots clean help FORCE
.DELETE_ON_ERROR:
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SUP_OBJ:.o=.d) $(TESTS:=.d) $(BENCHES:=.d)
