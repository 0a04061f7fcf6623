# plumb: build, test, install.  `make`, `make check`, `make check SAN=1`, `make install`.
PREFIX  ?= /usr/local
DESTDIR ?=
LUA_VERSION ?= 5.4
LUA     ?= lua$(LUA_VERSION)
LUA_CDIR ?= $(PREFIX)/lib/lua/$(LUA_VERSION)
LUA_LDIR ?= $(PREFIX)/share/lua/$(LUA_VERSION)
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include

PKG_CONFIG ?= pkg-config
LUA_PC  ?= lua$(LUA_VERSION)
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
DEPS_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LUA_PC) libmnl)
DEPS_LIBS   = $(shell $(PKG_CONFIG) --libs libmnl)

# SAN=1: AddressSanitizer + UndefinedBehaviorSanitizer (build/ goes to build-san/)
ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_ENV := LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
BUILD   ?= build
endif

ALL_CFLAGS = -std=gnu11 -fPIC -fvisibility=hidden $(WARN) $(CFLAGS) $(SANFLAGS) $(DEPS_CFLAGS)

CORE_SRC := $(wildcard core/*.c) $(wildcard core/kinds/*.c)
CORE_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRC))
BIND_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bindings/*.c))
LIB      := $(BUILD)/libplumb.a
MODULE   := $(BUILD)/lib/plumb/core.so

.PHONY: all deps deps-vm check check-vm bench lint install uninstall clean demo
.PHONY: deps-fuzz fuzz-parse fuzz-parse-long fuzz-capture fuzz-api fuzz-api-long
all: $(MODULE) $(LIB)

$(BUILD)/obj/%.o: %.c core/plumb.h core/kind.h bindings/glue.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(MODULE): $(BIND_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(SANFLAGS) -o $@ $^ $(DEPS_LIBS) $(LDFLAGS)

# Debian/Ubuntu packages: build, tests and demo; deps-vm adds the kernel VM lane. `check`,
# `check-vm` and `demo` run them first (they do nothing when everything is installed).
deps:
	sh scripts/install-deps
deps-vm:
	sh scripts/install-deps vm

# A C program: several lua_States on several threads using plumb.core at once.
TEST_THREADS := $(BUILD)/test-threads
$(TEST_THREADS): tests/threads.c $(MODULE)
	@echo "  CC      $<"
	@$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) $(DEPS_CFLAGS) -o $@ $< \
		$$($(PKG_CONFIG) --libs $(LUA_PC)) -lpthread

# The spec suite runs in throwaway network and mount namespaces (spec/run).
BUSTED_ARGS ?=
check: deps all $(TEST_THREADS)
	$(SAN_ENV) PLUMB_BUILD=$(BUILD) LUA=$(LUA) sh spec/run $(BUSTED_ARGS)

# The same suite on Debian's 6.1 kernel in QEMU (ipvlan, vlan, dummy, vrf, bond, ...).
# Specs tagged #large (100,000 routes) opt out here for size: emulation is 50-100x slower.
check-vm: deps-vm all $(TEST_THREADS)
	@echo "check-vm: Debian's 6.1 kernel in QEMU; specs tagged #large are left out for size"
	./scripts/plumb-vm -- env PLUMB_BUILD=$(BUILD) LUA=$(LUA) sh spec/run --exclude-tags=large $(BUSTED_ARGS)

# Fuzzing (tests/fuzz/README.md). fuzz-parse: clang's libFuzzer on the reply parsers for
# FUZZ_TIME seconds over the corpus in the repo (new inputs go to build-fuzz/corpus-parse);
# fuzz-parse-long: the same for FUZZ_LONG_TIME; fuzz-capture: new seeds from the kernel, in a
# throwaway namespace. fuzz-api: random calls of every function of the Lua module, in a
# sandbox namespace (FUZZ_CALLS calls, FUZZ_SEED), fuzz-api-long: FUZZ_LONG_CALLS of them.
FUZZ_CC    ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
FUZZ_LONG_TIME ?= 3600
FUZZ_ARGS  ?=
FUZZ_CALLS ?= 50000
FUZZ_LONG_CALLS ?= 1000000
FUZZ_SEED  ?= 9
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -O1 -g $(filter-out -Werror,$(WARN)) $(FUZZ_SANFLAGS) $(DEPS_CFLAGS)
FUZZ_OBJ   := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(filter-out core/nl.c,$(CORE_SRC)))
FUZZ_PARSE := $(FUZZ_BUILD)/fuzz-parse
FUZZ_PARSE_RUN = mkdir -p $(FUZZ_BUILD)/corpus-parse && $(FUZZ_PARSE) -dict=tests/fuzz/parse.dict -max_len=65536 -timeout=10 \
	-artifact_prefix=$(FUZZ_BUILD)/ -print_final_stats=1 $(FUZZ_ARGS) \
	$(FUZZ_BUILD)/corpus-parse tests/fuzz/corpus/parse

$(FUZZ_BUILD)/obj/%.o: %.c core/plumb.h core/kind.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_PARSE): tests/fuzz/parse.c core/nl.c core/plumb.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/parse.c $(FUZZ_OBJ) $(DEPS_LIBS)

$(FUZZ_BUILD)/fuzz-capture: tests/fuzz/parse.c core/nl.c core/plumb.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DPL_FUZZ_CAPTURE -o $@ tests/fuzz/parse.c $(FUZZ_OBJ) $(DEPS_LIBS)

deps-fuzz:
	sh scripts/install-deps fuzz
fuzz-parse: deps-fuzz $(FUZZ_PARSE)
	$(FUZZ_PARSE_RUN) -max_total_time=$(FUZZ_TIME)
fuzz-parse-long: deps-fuzz $(FUZZ_PARSE)
	$(FUZZ_PARSE_RUN) -max_total_time=$(FUZZ_LONG_TIME)
fuzz-capture: deps-fuzz $(FUZZ_BUILD)/fuzz-capture
	sh tests/fuzz/capture.sh $(FUZZ_BUILD)/fuzz-capture tests/fuzz/corpus/parse

fuzz-api: deps all
	$(SAN_ENV) PLUMB_BUILD=$(BUILD) LUA=$(LUA) FUZZ_LAST=$(BUILD)/fuzz-api-last \
		sh tests/fuzz/api-run $(FUZZ_CALLS) $(FUZZ_SEED) || { cat $(BUILD)/fuzz-api-last; exit 1; }
fuzz-api-long: deps all
	$(SAN_ENV) PLUMB_BUILD=$(BUILD) LUA=$(LUA) FUZZ_LAST=$(BUILD)/fuzz-api-last \
		sh tests/fuzz/api-run $(FUZZ_LONG_CALLS) $(FUZZ_SEED) || { cat $(BUILD)/fuzz-api-last; exit 1; }

demo: deps all
	sh scripts/demo

bench: all
	PLUMB_BUILD=$(BUILD) sh bench/run

lint:
	luacheck lua spec scripts/demo.lua scripts/plumb tests/fuzz/api.lua

install: all
	install -d $(DESTDIR)$(LUA_CDIR)/plumb $(DESTDIR)$(LUA_LDIR)/plumb $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/plumb
	install -m 0755 $(MODULE) $(DESTDIR)$(LUA_CDIR)/plumb/core.so
	cd lua && find plumb -name '*.lua' -exec install -D -m 0644 {} $(DESTDIR)$(LUA_LDIR)/{} \;
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/libplumb.a
	install -m 0644 core/plumb.h $(DESTDIR)$(INCDIR)/plumb/plumb.h
	install -m 0755 scripts/plumb $(DESTDIR)$(BINDIR)/plumb

uninstall:
	rm -rf $(DESTDIR)$(LUA_CDIR)/plumb $(DESTDIR)$(LUA_LDIR)/plumb $(DESTDIR)$(BINDIR)/plumb \
		$(DESTDIR)$(LIBDIR)/libplumb.a $(DESTDIR)$(INCDIR)/plumb

clean:
	rm -rf build build-san build-fuzz
