# rewind: build, test, install.
#
#   make               build ./rewind
#   make check         lint, unit tests, integration tests on real servers,
#                      the sanitizer run, the demo and a short fuzz pass
#   make check-asan    unit and integration tests under ASan and UBSan
#   make lint          cppcheck, the include layers, shellcheck, one place per fact
#   make demo          a split brain on throwaway clusters, dry run, rewind
#   make fuzz-smoke    each fuzz target for FUZZ_SECONDS, replaying the
#                      kept inputs; writes nothing into the source tree
#   make fuzz-crash    the power-loss tests with many more crash states
#   make install       install into $(DESTDIR)$(PREFIX)/bin
#   make install PG_REWIND_LINK=1
#                      also $(PREFIX)/lib/rewind/pg-rewind-bin/pg_rewind, a
#                      link to rewind in a directory of its own, for HA tools
#                      that run "pg_rewind" from a configurable directory

PREFIX      ?= /usr/local
BUILD       ?= build
CC          ?= cc
PKG_CONFIG  ?= pkg-config
OPT         ?= -O2 -g

PKGS        := libpq openssl liblz4
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/postgresql)
PKG_LIBS    := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lpq -lcrypto -llz4)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

WARN        := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
               -Wpointer-arith -Wvla
CPPFLAGS    += -D_GNU_SOURCE -Ilib -Isrc
ALL_CFLAGS  := -std=c11 $(OPT) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(SAN) $(CFLAGS)
LDLIBS_ALL  := $(PKG_LIBS) -lpthread

LIB_SRCS    := $(sort $(wildcard lib/*.c))
APP_SRCS    := $(sort $(filter-out src/run/main.c,$(wildcard src/*/*.c)))
TEST_SRCS   := $(sort $(wildcard t/unit/*.c))

LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/%.o)
APP_OBJS    := $(APP_SRCS:%.c=$(BUILD)/%.o)
TEST_OBJS   := $(TEST_SRCS:%.c=$(BUILD)/%.o)

BIN         := $(BUILD)/rewind
UNIT        := $(BUILD)/unit-tests
CRASHSIM    := $(BUILD)/crashsim

.PHONY: FORCE fuzz-crash all check unit integration fixtures check-asan demo install clean lint \
	lint-c lint-layers lint-shell lint-facts bench bench-salvage bench-scaling bench-compare bench-relations fuzz fuzz-smoke

all: rewind $(CRASHSIM)

rewind: $(BIN)
	cp $(BIN) rewind

$(BIN): $(LIB_OBJS) $(APP_OBJS) $(BUILD)/src/run/main.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# The crash simulator of the power-loss tests (t/integration/crash-*.t),
# next to $(BIN), where the tests look for it.
$(CRASHSIM): t/crashsim/crashsim.c src/util/io_trace.h
	$(CC) $(ALL_CFLAGS) -o $@ $<

$(BUILD)/%.o: %.c $(wildcard lib/*.h src/*/*.h t/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The suites are the external "*_suite" functions the compiled test files
# define (nm, so the way a definition is laid out cannot hide one).  Every
# "*_suite" name written anywhere in t/unit/*.c is listed as well: the
# runner fails when one of them was not run, or a suite ran no test.
UNIT_TEST_OBJS := $(filter-out $(BUILD)/t/unit/main.o,$(TEST_OBJS))

# Both lists are remade on every build (a removed test file changes no
# timestamp) and replaced only when they changed.
$(BUILD)/t/unit/suites.inc: $(UNIT_TEST_OBJS) FORCE
	@mkdir -p $(dir $@)
	@nm -g --defined-only $(UNIT_TEST_OBJS) | awk '$$2 == "T" && $$3 ~ /^[a-z0-9_]+_suite$$/ \
	  { sub(/_suite$$/, "", $$3); print "SUITE(" $$3 ")" }' | sort -u > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(BUILD)/t/unit/suites-named.inc: $(filter-out t/unit/main.c,$(TEST_SRCS)) FORCE
	@mkdir -p $(dir $@)
	@grep -how '[a-z0-9_]*_suite' $(filter-out FORCE,$^) | sort -u | sed 's/.*/"&",/' > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

FORCE:

$(BUILD)/t/unit/main.o: t/unit/main.c $(BUILD)/t/unit/suites.inc $(BUILD)/t/unit/suites-named.inc
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/t/unit -c -o $@ $<

$(BUILD)/t/unit/%.o: t/unit/%.c $(wildcard lib/*.h src/*/*.h t/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(UNIT): $(TEST_OBJS) $(LIB_OBJS) $(APP_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

# Real PostgreSQL WAL and control files for the unit tests, made now.
fixtures: $(BUILD)/fixtures/.done
$(BUILD)/fixtures/.done: t/fixtures/make-fixtures.sh
	bash t/fixtures/make-fixtures.sh $(BUILD)/fixtures
	touch $@

unit: $(UNIT) fixtures
	REWIND_FIXTURES=$(abspath $(BUILD)/fixtures) $(UNIT)

# Every scenario runs on each supported major (lib/pgver.c's table, read by
# t/lib/majors.sh): 15 from Debian, the others from the npm server packages
# (bash t/lib/install-pg-npm.sh $(PG_NPM_ROOT) $$(bash t/lib/majors.sh --npm)).
# A major that is not installed is skipped, unless REWIND_REQUIRE_MAJORS
# names it.
PG_MAJORS   ?= $(shell bash t/lib/majors.sh --test-order)
PG_NPM_ROOT ?= /opt/rewind-pg
# Test files run PROVE_JOBS at a time within a major, and MAJOR_JOBS majors
# at a time (t/lib/run-majors.sh; with more than one, each major's output
# goes to $(BUILD)/integration-logs/ and the failing ones are printed): each
# test file has its own scratch directory and ports, and most of their time
# is spent waiting on servers.  INTEGRATION_TESTS: some test files only
# (default all).
PROVE_JOBS  ?= 2
MAJOR_JOBS  ?= 1

# CRASH_STATES: crash states per scenario of t/integration/crash-*.t (make
# fuzz-crash runs many more).
integration: $(BIN) $(CRASHSIM)
	PG_NPM_ROOT=$(PG_NPM_ROOT) REWIND_BIN=$(abspath $(BIN)) PROVE_JOBS=$(PROVE_JOBS) \
	  MAJOR_JOBS=$(MAJOR_JOBS) PROVE_FLAGS="$(PROVE_FLAGS)" TESTS="$(INTEGRATION_TESTS)" \
	  LOG_DIR=$(BUILD)/integration-logs \
	  bash t/lib/run-majors.sh $(PG_MAJORS)

# check: lint first (seconds), everything on every major, the unit tests
# and the PostgreSQL 15 scenarios again under AddressSanitizer and UBSan (a
# separate build), the demo, and a short fuzz pass.
# check-asan: every major under the sanitizers.
ASAN_MAKE = $(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

check: lint unit integration
	$(ASAN_MAKE) PG_MAJORS=15 MAJOR_JOBS=1 unit integration
	$(MAKE) demo fuzz-smoke

check-asan:
	$(ASAN_MAKE) unit integration

demo: $(BIN)
	REWIND_BIN=$(abspath $(BIN)) bash t/demo.sh

# rewind against pg_rewind on a pgbench failover, to a consistent standby,
# beside the physical limit: both named inputs (BENCH_INPUT), each over
# loopback and 1 Gbit/s with a warm and a cold page cache (PostgreSQL 15;
# see bench/bench.sh for what is measured, bench/failover.sh for the inputs
# and the BENCH_* settings; BENCH_SCALE and the like given to make override
# both inputs' own).
BENCH_SCALE  ?= 300
BENCH_ROUNDS ?= 3
BENCH_CACHE  ?= warm,cold
BENCH_WALSCAN := $(BUILD)/bench/walscan
$(BENCH_WALSCAN): bench/walscan.c $(LIB_OBJS) $(APP_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)
bench: $(BIN) $(BENCH_WALSCAN)
	for input in failover issue17; do \
	  BENCH_INPUT=$$input BENCH_CACHE=$(BENCH_CACHE) BENCH_ROUNDS=$(BENCH_ROUNDS) REWIND_BIN=$(abspath $(BIN)) \
	    WALSCAN_BIN=$(abspath $(BENCH_WALSCAN)) bash bench/bench.sh || exit 1; \
	done
	REWIND_BIN=$(abspath $(BIN)) bash bench/salvage.sh
	BENCH_SCALE=$(BENCH_SCALE) BENCH_ROUNDS=$(BENCH_ROUNDS) REWIND_BIN=$(abspath $(BIN)) bash bench/compare.sh
	REWIND_BIN=$(abspath $(BIN)) bash bench/relations.sh

# the ladder's step 4 (--method=compare) against a re-clone with
# pg_basebackup over 1 Gbit/s, and step 3 (pagelsn) against step 1 (wal)
# (see bench/compare.sh)
bench-compare: $(BIN)
	BENCH_SCALE=$(BENCH_SCALE) BENCH_ROUNDS=$(BENCH_ROUNDS) REWIND_BIN=$(abspath $(BIN)) bash bench/compare.sh

# the peak memory of --salvage against the rows lost (see bench/salvage.sh)
bench-salvage: $(BIN)
	REWIND_BIN=$(abspath $(BIN)) bash bench/salvage.sh

# rewind's time and memory with 2,000 and 200,000 relations and the same
# divergence (see bench/relations.sh)
bench-relations: $(BIN)
	REWIND_BIN=$(abspath $(BIN)) bash bench/relations.sh

# rewind's time on a small and a large cluster with the same divergence
# (see bench/scaling.sh; about 11 minutes and 70 GB of disk at scale 1000)
bench-scaling: $(BIN)
	REWIND_BIN=$(abspath $(BIN)) bash bench/scaling.sh

PG_REWIND_DIR := $(PREFIX)/lib/rewind/pg-rewind-bin

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/rewind
	install -m 0644 man/rewind.1 $(DESTDIR)$(PREFIX)/share/man/man1/rewind.1
ifeq ($(PG_REWIND_LINK),1)
	install -d $(DESTDIR)$(PG_REWIND_DIR)
	ln -sfn ../../../bin/rewind $(DESTDIR)$(PG_REWIND_DIR)/pg_rewind
endif

# Fuzz targets (libFuzzer): each fuzz/fuzz_*.c linked with an archive of
# lib/ and src/ (main.c aside) built with the same sanitizers, seeded from
# the fixtures, FUZZ_SECONDS each.  What a run finds is kept in
# fuzz/regressions/<target>/ (commit it): the inputs that add coverage to
# what is there (libFuzzer -merge=1), and every crash, timeout or
# out-of-memory input.  fuzz/expect.py then derives the expected result of
# each kept input, which the unit tests check (t/unit/test_fuzz_regressions.c).
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_COMMON  := -std=c11 -g -O1 -fno-sanitize-recover=all -DFUZZ_LIBFUZZER -D_GNU_SOURCE \
                -Ilib -Isrc -Ifuzz
FUZZ_FLAGS   := $(FUZZ_COMMON) -fsanitize=fuzzer,address,undefined
FUZZ_TARGETS := $(basename $(notdir $(wildcard fuzz/fuzz_*.c)))
FUZZ_LIB     := $(FUZZ_BUILD)/librewind.a
FUZZ_OBJS    := $(addprefix $(FUZZ_BUILD)/obj/,$(LIB_SRCS:.c=.o) $(APP_SRCS:.c=.o))

$(FUZZ_BUILD)/obj/%.o: %.c $(wildcard lib/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COMMON) -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) \
	  -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

# One libFuzzer binary per target, linked with the archive.
$(FUZZ_BUILD)/bin/%: fuzz/%.c $(FUZZ_LIB) $(wildcard fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB) $(LDLIBS_ALL)

fuzz: fixtures $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/bin/%)
	@mkdir -p $(FUZZ_BUILD)
	bash fuzz/make-corpus.sh $(BUILD)/fixtures $(FUZZ_BUILD)/seeds
	bash fuzz/make-listing-seeds.sh $(FUZZ_BUILD)/seeds
	@for t in $(FUZZ_TARGETS); do \
	  echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t fuzz/regressions/$$t; \
	  st=0; $(FUZZ_BUILD)/bin/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ $(FUZZ_BUILD)/corpus/$$t \
	    $(FUZZ_BUILD)/seeds/$$t fuzz/regressions/$$t || st=$$?; \
	  cp $(FUZZ_BUILD)/crashes/$$t/* fuzz/regressions/$$t/ 2>/dev/null; \
	  if [ $$st -ne 0 ]; then echo "$$t failed; its input is kept in fuzz/regressions/$$t"; exit 1; fi; \
	  $(FUZZ_BUILD)/bin/$$t -merge=1 -rss_limit_mb=2048 fuzz/regressions/$$t \
	    $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/seeds/$$t 2>$(FUZZ_BUILD)/merge-$$t.log || exit 1; \
	done
	python3 fuzz/expect.py fuzz/regressions

# The short pass of make check (fuzz/smoke.sh): each target replays
# fuzz/regressions/<target>/ and the seeds, then fuzzes for FUZZ_SECONDS,
# FUZZ_JOBS targets at a time, from the fixed seed FUZZ_SEED (FUZZ_SEED=0:
# a new one); it fails at the first crash, hang or
# out-of-memory input.  Everything it writes stays in a scratch corpus under
# $(FUZZ_BUILD)/smoke/, never in the source tree.
FUZZ_JOBS ?= 2
fuzz-smoke: fixtures $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/bin/%)
	@rm -rf $(FUZZ_BUILD)/smoke
	@bash fuzz/make-corpus.sh $(BUILD)/fixtures $(FUZZ_BUILD)/smoke/seeds
	@bash fuzz/make-listing-seeds.sh $(FUZZ_BUILD)/smoke/seeds
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
	  bash fuzz/smoke.sh $(FUZZ_BUILD)/bin $(FUZZ_BUILD)/smoke $(FUZZ_TARGETS)

# The power-loss scenarios with many more crash states (PostgreSQL 15).
FUZZ_CRASH_STATES ?= 400
fuzz-crash: $(BIN) $(CRASHSIM)
	CRASH_STATES=$(FUZZ_CRASH_STATES) PG_MAJOR=15 PG_NPM_ROOT=$(PG_NPM_ROOT) \
	  REWIND_BIN=$(abspath $(BIN)) prove --exec bash $(PROVE_FLAGS) t/integration/crash-*.t

# lint: every check, even after one failed, then fails if any did.  The
# shell scripts: t/lint/shellcheck.sh says which.
lint:
	@st=0; for t in lint-c lint-layers lint-shell lint-facts; do \
	  $(MAKE) --no-print-directory $$t || { echo "make $$t failed"; st=1; }; \
	done; exit $$st

lint-c:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Ilib -Isrc lib src

# One place for each fact: the supported majors named only as the version
# table says (--help is read from the program), test hooks read in one file.
lint-facts: $(BIN)
	REWIND_BIN=$(BIN) bash t/lint/majors.sh
	bash t/lint/test_hooks.sh

lint-layers:
	bash t/lint/layers.sh

lint-shell:
	bash t/lint/shellcheck.sh

clean:
	rm -rf build build-asan $(FUZZ_BUILD) rewind

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
