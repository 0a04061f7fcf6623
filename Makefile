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
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/plumb
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# the CNI plugins (plumb-bridge, ...): where runtimes look for them
CNI_DIR ?= $(PREFIX)/lib/cni
# the version, from the public header (tests/embed.c checks it against plumb.core._VERSION)
VERSION := $(shell sed -n 's/^\#define PLUMB_VERSION "\(.*\)"/\1/p' include/plumb.h)

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

.PHONY: all deps deps-vm check check-vm bench bench-cni lint install uninstall clean demo
.PHONY: deps-doc deps-rock doc doc-check install-check dist rock-check
.PHONY: deps-fuzz fuzz-parse fuzz-parse-long fuzz-capture fuzz-api fuzz-api-long
CNI_PLUGINS := plumb-bridge plumb-ipvlan plumb-macvlan plumb-ptp plumb-ipam
CNI_BIN := $(addprefix $(BUILD)/cni/,$(CNI_PLUGINS))
all: $(MODULE) $(LIB) $(CNI_BIN)

# The CNI plugins in a built tree: tiny Lua files running scripts/plumb-cni as if it were
# $(BUILD)/cni/NAME (it finds the tree's lua/ and build output from that name), so that they
# also work when a runtime's plugin directory holds links to them.
$(CNI_BIN): scripts/plumb-cni Makefile
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@rm -f $@
	@printf '#!/usr/bin/env lua5.4\n-- %s of the built tree %s (made by make)\narg[0] = "%s"\nreturn dofile("%s")\n' \
		$(notdir $@) '$(CURDIR)' '$(CURDIR)/$@' '$(CURDIR)/scripts/plumb-cni' > $@
	@chmod 0755 $@

$(BUILD)/obj/%.o: %.c core/plumb.h core/internal.h core/kind.h core/route.h bindings/glue.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The core and the bindings: an embedder links plumb in and calls luaopen_plumb_core.
$(LIB): $(CORE_OBJ) $(BIND_OBJ) Makefile
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

$(MODULE): $(BIND_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(SANFLAGS) -o $@ $^ $(DEPS_LIBS) $(LDFLAGS)

# Debian/Ubuntu packages: build, tests and demo; deps-vm adds the kernel VM lane. `check`,
# `check-vm` and `demo` run them first (they do nothing when everything is installed).
deps:
	sh scripts/install-deps
deps-vm:
	sh scripts/install-deps vm
deps-doc:
	sh scripts/install-deps doc
deps-rock:
	sh scripts/install-deps rock

# A C program: several lua_States on several threads using plumb.core at once.
TEST_THREADS := $(BUILD)/test-threads
$(TEST_THREADS): tests/threads.c $(MODULE)
	@echo "  CC      $<"
	@$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) $(DEPS_CFLAGS) -o $@ $< \
		$$($(PKG_CONFIG) --libs $(LUA_PC)) -lpthread

# The spec suite runs in throwaway network and mount namespaces (spec/run).
BUSTED_ARGS ?=
check: deps all $(TEST_THREADS) libcni-driver
	$(SAN_ENV) PLUMB_BUILD=$(BUILD) LUA=$(LUA) sh spec/run $(BUSTED_ARGS)

# The specs' libcni driver (tests/cni/libcni-driver): Go, built offline against Debian's libcni
# source (golang-go, golang-github-appc-cni-dev; scripts/install-deps installs both). Without
# them this says so and builds nothing: spec/81 then fails, it does not skip.
LIBCNI_SRC := /usr/share/gocode/src/github.com/containernetworking/cni/libcni
.PHONY: libcni-driver
libcni-driver: $(BUILD)/libcni-driver
$(BUILD)/libcni-driver: tests/cni/libcni-driver/main.go
	@if command -v go >/dev/null 2>&1 && [ -d $(LIBCNI_SRC) ]; then \
		echo "  GO      $@"; mkdir -p $(dir $@); \
		GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$(CURDIR)/$(BUILD)/gocache GOFLAGS= \
			go build -o $@ ./tests/cni/libcni-driver; \
	else echo "libcni-driver: not built: needs golang-go and golang-github-appc-cni-dev" \
		"(sh scripts/install-deps); spec/81 fails without it"; fi

# The same suite on Debian's 6.1 kernel in QEMU (ipvlan, vlan, dummy, vrf, bond, ...).
# Specs tagged #large (100,000 routes) opt out here for size: emulation is 50-100x slower.
check-vm: deps-vm all $(TEST_THREADS) libcni-driver
	@echo "check-vm: Debian's 6.1 kernel in QEMU; specs tagged #large (size) and #storm (an overrun storm: on the emulated kernel the queue overflows before the first read) are left out; make check runs them"
	./scripts/plumb-vm -- env PLUMB_BUILD=$(BUILD) LUA=$(LUA) sh spec/run --exclude-tags=large,storm $(BUSTED_ARGS)

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

$(FUZZ_BUILD)/obj/%.o: %.c core/plumb.h core/internal.h core/kind.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_PARSE): tests/fuzz/parse.c core/nl.c core/plumb.h core/internal.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/parse.c $(FUZZ_OBJ) $(DEPS_LIBS)

$(FUZZ_BUILD)/fuzz-capture: tests/fuzz/parse.c core/nl.c core/plumb.h core/internal.h $(FUZZ_OBJ)
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

# Benchmarks, not tests (bench/run, bench/bench.lua; BENCH_QUICK=1 for a short run). The floor
# programs are built here with -O2 whatever CFLAGS say.
BENCH_BIN := $(BUILD)/bench/floor_links $(BUILD)/bench/floor_lua.so
$(BUILD)/bench/floor_links: bench/floor_links.c bench/floor.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -o $@ $< $(DEPS_LIBS)
$(BUILD)/bench/floor_lua.so: bench/floor_lua.c bench/floor.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -fPIC -shared $(DEPS_CFLAGS) -o $@ $< $(DEPS_LIBS)
bench:
	sh scripts/install-deps bench
	$(MAKE) --no-print-directory all $(BENCH_BIN)
	PLUMB_BUILD=$(BUILD) sh bench/run

# The CNI bridge plugin, Debian's reference against plumb-bridge, per container ADD and DEL
# (bench/cni.lua; in throwaway namespaces; N=20 containers, ROUNDS=3).
bench-cni: all
	LUA_PATH="$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;" LUA_CPATH="$(CURDIR)/$(BUILD)/lib/?.so;;" \
		PLUMB_BUILD=$(BUILD) $(LUA) bench/cni.lua

lint:
	luacheck lua spec scripts/demo.lua scripts/plumb scripts/plumb-cni bench/cni.lua scripts/gendoc.lua scripts/doc-check.lua tests/fuzz/api.lua

# NODOC=1: without the HTML reference (no LDoc needed); INSTALL_DEV=0: without libplumb.a,
# plumb.h and plumb.pc (the rockspec uses both: a rock's lib/ is Lua's C module directory).
NODOC ?=
INSTALL_DEV ?= 1
install: all $(if $(NODOC),,doc)
	install -d $(DESTDIR)$(LUA_CDIR)/plumb $(DESTDIR)$(LUA_LDIR)/plumb $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(MODULE) $(DESTDIR)$(LUA_CDIR)/plumb/core.so
	cd lua && find plumb -name '*.lua' -exec install -D -m 0644 {} $(DESTDIR)$(LUA_LDIR)/{} \;
	install -m 0755 scripts/plumb $(DESTDIR)$(BINDIR)/plumb
	install -m 0644 docs/plumb.1 $(DESTDIR)$(MANDIR)/man1/plumb.1
	install -d $(DESTDIR)$(CNI_DIR)
	install -m 0755 scripts/plumb-cni $(DESTDIR)$(CNI_DIR)/plumb-cni
	for p in $(CNI_PLUGINS); do install -m 0755 scripts/plumb-cni $(DESTDIR)$(CNI_DIR)/$$p; done
ifeq ($(INSTALL_DEV),1)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/libplumb.a
	install -m 0644 include/plumb.h $(DESTDIR)$(INCDIR)/plumb.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(patsubst $(PREFIX)%,$${prefix}%,$(LIBDIR))|' \
		-e 's|@INCDIR@|$(patsubst $(PREFIX)%,$${prefix}%,$(INCDIR))|' \
		-e 's|@VERSION@|$(VERSION)|' -e 's|@LUA_PC@|$(LUA_PC)|' plumb.pc.in \
		> $(DESTDIR)$(PKGCONFIGDIR)/plumb.pc
endif
ifeq ($(NODOC),)
	install -d $(DESTDIR)$(DOCDIR)
	cp -R $(BUILD)/doc/. $(DESTDIR)$(DOCDIR)/
	install -m 0644 README.md docs/design.md docs/cni.md $(DESTDIR)$(DOCDIR)/
endif

uninstall:
	rm -rf $(DESTDIR)$(LUA_CDIR)/plumb $(DESTDIR)$(LUA_LDIR)/plumb $(DESTDIR)$(BINDIR)/plumb \
		$(DESTDIR)$(LIBDIR)/libplumb.a $(DESTDIR)$(INCDIR)/plumb.h \
		$(DESTDIR)$(PKGCONFIGDIR)/plumb.pc $(DESTDIR)$(MANDIR)/man1/plumb.1 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(CNI_DIR)/plumb-cni $(addprefix $(DESTDIR)$(CNI_DIR)/,$(CNI_PLUGINS))

# The reference: LDoc over lua/plumb, docs/api and the kind options generated from the
# descriptor tables (scripts/gendoc.lua), HTML into build/doc. Installs LDoc when missing.
LUA_TREE_ENV = LUA_PATH="$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;" \
	LUA_CPATH="$(CURDIR)/$(BUILD)/lib/?.so;;"
doc: deps-doc $(MODULE)
	@mkdir -p build/doc-src
	$(LUA_TREE_ENV) $(LUA) scripts/gendoc.lua build/doc-src/kinds.luadoc
	rm -rf build/doc
	ldoc . 2>&1 | tee build/doc-src/ldoc.log
	@test -f build/doc/index.html

# Every public name has a reference entry, LDoc reads the sources without a warning, and
# (as root, in a throwaway namespace) every record field seen on live objects is listed.
doc-check: doc
	@! grep -v '^reading configuration\|^output written' build/doc-src/ldoc.log | grep . \
		|| { echo "doc-check: LDoc warnings (above)"; exit 1; }
	$(LUA_TREE_ENV) $(LUA) scripts/doc-check.lua
	@if [ "$$(id -u)" = 0 ]; then \
		unshare --net --mount sh -c 'mount --make-rprivate / && mount -t tmpfs none /run && \
		$(LUA_TREE_ENV) $(LUA) scripts/doc-check.lua --records'; \
	else echo "doc-check: record fields not checked (needs root for a namespace)"; fi
	man -l -Tutf8 docs/plumb.1 > /dev/null 2> build/doc-src/man.log; \
		if [ -s build/doc-src/man.log ]; then cat build/doc-src/man.log; exit 1; fi

# A DESTDIR install, then a C program built only from the installed plumb.h and plumb.pc
# embeds Lua and requires plumb.core; and `man plumb` finds the installed page.
STAGE = $(CURDIR)/$(BUILD)/stage
install-check: deps-doc all
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install NODOC=1 DESTDIR=$(STAGE) PREFIX=/usr/local
	mkdir -p $(STAGE)/pc
	sed 's|^prefix=.*|prefix=$(STAGE)/usr/local|' $(STAGE)/usr/local/lib/pkgconfig/plumb.pc \
		> $(STAGE)/pc/plumb.pc
	$(CC) -std=gnu11 $(WARN) -o $(STAGE)/embed tests/embed.c \
		$$(PKG_CONFIG_PATH=$(STAGE)/pc $(PKG_CONFIG) --cflags --static --libs plumb)
	$(STAGE)/embed
	MANPATH=$(STAGE)/usr/local/share/man man -w plumb | grep -q '^$(STAGE)/usr/local/share/man/man1/plumb.1'
	MANPATH=$(STAGE)/usr/local/share/man man plumb | grep -q 'plumb run'
	for p in $(CNI_PLUGINS); do \
		test -x $(STAGE)/usr/local/lib/cni/$$p || { echo "install-check: $$p not installed"; exit 1; }; \
		echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION \
			LUA_PATH="$(STAGE)/usr/local/share/lua/$(LUA_VERSION)/?.lua;$(STAGE)/usr/local/share/lua/$(LUA_VERSION)/?/init.lua;;" \
			$(STAGE)/usr/local/lib/cni/$$p | grep -q '"supportedVersions":\[.*"1.1.0"' \
			|| { echo "install-check: $$p does not answer VERSION"; exit 1; }; \
	done
	@echo "install-check: embed built from the installed header and plumb.pc; man plumb found; CNI plugins answer VERSION"

# A source tarball from git (committed files only) and a rockspec for it.
DIST_URL ?= file://$(CURDIR)/build/plumb-$(VERSION).tar.gz
dist:
	@mkdir -p build
	git archive --format=tar.gz --prefix=plumb-$(VERSION)/ -o build/plumb-$(VERSION).tar.gz HEAD
	sed -e 's|^version = .*|version = "$(VERSION)-1"|' \
		-e 's|^source = .*|source = { url = "$(DIST_URL)", dir = "plumb-$(VERSION)" }|' \
		plumb-scm-0.rockspec > build/plumb-$(VERSION)-1.rockspec
	@echo "dist: build/plumb-$(VERSION).tar.gz build/plumb-$(VERSION)-1.rockspec"

# LuaRocks as Debian sets it up (its default Lua is not 5.4: --lua-version 5.4 is needed):
# `luarocks make` from the tree, then install and pack from the dist rockspec, each into a
# throwaway tree; the module must load from it and libplumb.a must not be in its C dir.
ROCK_TREE = $(CURDIR)/build/rocktree
ROCK = luarocks --lua-version $(LUA_VERSION)
rock-check: deps-rock dist
	rm -rf $(ROCK_TREE) build/rockpack
	$(ROCK) make --tree $(ROCK_TREE) plumb-scm-0.rockspec
	eval "$$($(ROCK) path --tree $(ROCK_TREE))" && $(LUA) -e 'print(require("plumb")._VERSION)' \
		| grep -q '^plumb $(VERSION)$$'
	test -x $(ROCK_TREE)/bin/plumb
	$(ROCK) remove --tree $(ROCK_TREE) plumb
	$(ROCK) install --tree $(ROCK_TREE) build/plumb-$(VERSION)-1.rockspec
	mkdir -p build/rockpack && cd build/rockpack && $(ROCK) pack --tree $(ROCK_TREE) plumb
	ls build/rockpack/plumb-$(VERSION)-1.linux-*.rock
	$(ROCK) remove --tree $(ROCK_TREE) plumb
	$(ROCK) install --tree $(ROCK_TREE) build/rockpack/plumb-$(VERSION)-1.linux-*.rock
	eval "$$($(ROCK) path --tree $(ROCK_TREE))" && $(LUA) -e 'print(require("plumb")._VERSION)' \
		| grep -q '^plumb $(VERSION)$$'
	test -x $(ROCK_TREE)/bin/plumb
	test -f $(ROCK_TREE)/lib/lua/$(LUA_VERSION)/plumb/core.so
	! find $(ROCK_TREE)/lib/lua -name 'libplumb*' | grep .
	@echo "rock-check: luarocks make, install and pack work; no libplumb.a in the module dir"

clean:
	rm -rf build build-san build-fuzz
