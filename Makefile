# restic-docker-swarm: plain Makefile.
#   make               build/rds-agent, build/rds-hook, build/rds-discover, build/runrestic,
#                      build/rds-server, build/rds-notify
#   make test          unit tests
#   make SANITIZE=1 test   the same under ASan+UBSan (objects in build-san/)
#   make valgrind      unit tests under valgrind
#   make images        the container images (mk/images.mk; needs Docker)
#   make demo          the example stack on a swarm, one backup (scripts/demo.sh)
#   make demo-down     remove the demo again
#   make bench         the benchmarks, results on top of bench/RESULTS.md
#   make fuzz [FUZZ_S=20]  the libFuzzer targets (fuzz/*.c, clang; objects in
#                      build-fuzz/), each run FUZZ_S seconds (fuzz/run.sh)
#   make fuzz-regress  every target over its kept inputs fuzz/regress/<target>/ only
CC      ?= cc
PKGS    := libcurl jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

# Messages go into fixed, bounded buffers on purpose (truncation is the
# bound), and gcc's truncation guesses change with -O level: not a warning.
WARN    := -Wall -Wextra -Werror -Wstrict-prototypes -Wformat=2 -Wshadow \
           -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  ?= -O2 -g
# The tree: src/common (shared by every program), src/agent (rds-agent and
# runrestic), src/docker (the Docker API helpers rds-hook and rds-discover),
# src/server (rds-server), src/notify (rds-notify, the notification sender).
# Each program's main is its *_main.c.
SRC_DIRS := src/common src/agent src/docker src/server src/notify
CFLAGS  += -std=c17 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) $(addprefix -I,$(SRC_DIRS))
# --as-needed: each program loads only the libraries it calls; rds-agent
# then never maps libcurl and its TLS stack (only the helpers rds-hook,
# rds-discover and rds-notify do).
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed
LDLIBS  += $(PKG_LIBS) -lm

ifeq ($(FUZZ),1)
# The fuzz build (make fuzz): clang with libFuzzer's coverage in every
# object; clang does not know gcc's -Wno-format-truncation.
CC      := clang
BUILD   ?= build-fuzz
CFLAGS  := $(filter-out -O2 -Wno-format-truncation,$(CFLAGS)) -O1 -fno-omit-frame-pointer \
           -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SANITIZE),1)
BUILD   ?= build-san
CFLAGS  := $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
CFLAGS  += $(HARDEN)
endif

LIB_SRC  := $(filter-out %_main.c,$(wildcard $(addsuffix /*.c,$(SRC_DIRS))))
LIB_OBJ  := $(addprefix $(BUILD)/obj/,$(notdir $(LIB_SRC:.c=.o)))
HEADERS  := $(wildcard $(addsuffix /*.h,$(SRC_DIRS)))
vpath %.c $(SRC_DIRS)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)
PROGS    := $(BUILD)/rds-agent $(BUILD)/rds-hook $(BUILD)/rds-discover $(BUILD)/runrestic $(BUILD)/rds-server \
            $(BUILD)/rds-notify

.PHONY: all test valgrind clean format demo demo-down bench fuzz fuzz-build fuzz-bins fuzz-regress
all: $(PROGS) $(TEST_BIN) $(TOOL_BIN)

$(BUILD)/obj/%.o: %.c $(HEADERS) | $(BUILD)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/librds.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/rds-agent: src/agent/agent_main.c $(BUILD)/librds.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/rds-hook: src/docker/hook_main.c $(BUILD)/librds.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/rds-discover: src/docker/discover_main.c $(BUILD)/librds.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/runrestic: src/agent/runrestic_main.c $(BUILD)/librds.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/rds-server: src/server/server_main.c $(BUILD)/librds.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/rds-notify: src/notify/notify_main.c $(BUILD)/librds.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h tests/unit/fakeenv.h $(BUILD)/librds.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/librds.a | $(BUILD)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

# Unit tests: each binary prints TAP-like "ok"/"not ok" lines; run from the
# repository root so tests/data paths resolve.
test: all
	@BUILD=$(BUILD) sh tests/unit/run.sh $(TEST_BIN)

valgrind: all
	@BUILD=$(BUILD) VALGRIND=1 sh tests/unit/run.sh $(TEST_BIN)

demo:
	bash scripts/demo.sh up

demo-down:
	bash scripts/demo.sh down

bench:
	bash bench/run.sh

# Fuzzing: one libFuzzer target per parser of outside input (fuzz/fuzz_*.c),
# built by a make of its own with FUZZ=1 so that build/ and build-san/ are
# not touched; fuzz/run.sh runs them and prints one line per target.
FUZZ_S   ?= 20
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

fuzz-build:
	$(MAKE) FUZZ=1 fuzz-bins

fuzz-bins: $(FUZZ_BIN)

$(BUILD)/fuzz/%: fuzz/%.c fuzz/fuzz.h $(BUILD)/librds.a | $(BUILD)/fuzz
	$(CC) $(CFLAGS) -fsanitize=fuzzer -Ifuzz $(LDFLAGS) -o $@ $< $(BUILD)/librds.a $(LDLIBS)

$(BUILD)/fuzz:
	mkdir -p $@

fuzz: fuzz-build
	FUZZ_S=$(FUZZ_S) sh fuzz/run.sh

fuzz-regress: fuzz-build
	FUZZ_S=0 sh fuzz/run.sh

include mk/images.mk

format:
	clang-format -i $(addsuffix /*.[ch],$(SRC_DIRS)) tests/unit/*.c tests/unit/*.h tests/tools/*.c fuzz/*.[ch]

clean:
	rm -rf build build-san build-fuzz
