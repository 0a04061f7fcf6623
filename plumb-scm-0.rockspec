package = "plumb"
version = "scm-0"
source = { url = "git+file:///plumb" }
description = {
  summary = "Lua-scriptable Linux container networking on rtnetlink (libmnl)",
  detailed = [[
    Links of every kind containers use (veth, bridge, macvlan, ipvlan, vlan, vxlan, ...),
    addresses, routes, neighbours, bridge FDB and VLANs, rules and network namespaces,
    with records in the shape `ip -j -d` prints.
  ]],
  license = "MIT",
}
dependencies = { "lua >= 5.4" }
external_dependencies = { LIBMNL = { header = "libmnl/libmnl.h", library = "mnl" } }
build = {
  type = "make",
  build_variables = { CFLAGS = "$(CFLAGS)", LUA_VERSION = "5.4" },
  install_variables = {
    PREFIX = "$(PREFIX)", LUA_CDIR = "$(LIBDIR)", LUA_LDIR = "$(LUADIR)", BINDIR = "$(BINDIR)",
    -- a rock's lib/ is deployed to Lua's C module directory: no libplumb.a, plumb.h or
    -- plumb.pc there (`make install` installs those); no HTML reference (no LDoc needed)
    INSTALL_DEV = "0", NODOC = "1",
    -- the CNI plugins stay in the rock's own directory (lib/ is Lua's C module directory)
    CNI_DIR = "$(PREFIX)/libexec/cni",
  },
}
