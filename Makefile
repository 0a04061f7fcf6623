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

demo: deps all
	sh scripts/demo

bench: all
	PLUMB_BUILD=$(BUILD) sh bench/run

lint:
	luacheck lua spec scripts/demo.lua scripts/plumb

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
	rm -rf build build-san
