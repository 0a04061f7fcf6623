-- Helpers of the libcni and podman specs (spec/81, spec/82): run a network configuration list
-- through the libcni driver (tests/cni/libcni-driver, built by `make libcni-driver`), the way
-- containerd, CRI-O and podman run it, inside a sandbox namespace standing for the host.
local cni = require "plumb.cni"
local C = require "cni_support"

local L = {}

local root = os.getenv("PLUMB_ROOT") or "."
local build = os.getenv("PLUMB_BUILD") or "build"

--- The driver's path.
L.driver = root .. "/" .. build .. "/libcni-driver"

--- Plugin directories (CNI_PATH): Debian's reference plugins and this tree's.
L.path = C.path

--- Seconds a driver run may take before `timeout` kills it.
L.timeout = 60

local function shq(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
L.shq = shq

--- Whether the driver is built; else false and what to do.
function L.available()
  local f = io.open(L.driver)
  if not f then
    return false, L.driver .. " missing: make libcni-driver (needs golang-go and golang-github-appc-cni-dev)"
  end
  f:close()
  return true
end

--- Write `conflist` (a table) to `dir`/`name`.conflist; returns the path.
function L.write(dir, conflist, name)
  local p = ("%s/%s.conflist"):format(dir, name or conflist.name)
  local f = assert(io.open(p, "w"))
  f:write(cni.encode(conflist))
  f:close()
  return p
end

--- Run the driver in namespace `host`: `cmd` (add, check, del, gc, status) on the conflist file
-- `file`, with `o` (`cachedir`, `netns` a name in /run/netns, `id`, `ifname`, `version`, `valid`
-- a list of "ID/IF", `args`). Returns the decoded stdout (or its raw text when it is not JSON,
-- "" when empty), whether the driver exited 0, and the raw text with stderr after it.
function L.run(host, cmd, file, o)
  local argv = { "timeout", tostring(L.timeout), shq(L.driver), "-cmd", cmd, "-conflist", shq(file),
    "-cachedir", shq(o.cachedir), "-path", shq(o.path or L.path), "-timeout", tostring(L.timeout - 5) }
  local function add(flag, v) if v then argv[#argv + 1] = flag; argv[#argv + 1] = shq(v) end end
  add("-netns", o.netns and "/run/netns/" .. o.netns)
  add("-id", o.id)
  add("-ifname", o.ifname)
  add("-version", o.version)
  add("-valid", o.valid and table.concat(o.valid, ","))
  add("-args", o.args)
  local err = os.tmpname()
  local p = assert(io.popen(("ip netns exec %s %s 2>%s"):format(host, table.concat(argv, " "), err)))
  local out = p:read("a")
  local ok = p:close()
  local ef = io.open(err)
  local etext = ef and ef:read("a") or ""
  if ef then ef:close() end
  os.remove(err)
  if out == "" then return "", ok == true, etext end
  local v = cni.decode(out)
  return v == nil and out or v, ok == true, out .. etext
end

return L
