-- Running the plumb command from specs: its exit status, stdout and stderr.
local M = {}

local root = assert(os.getenv("PLUMB_ROOT"))
local build = os.getenv("PLUMB_BUILD") or "build"
M.root = root
M.cmd = ("PLUMB_BUILD=%s %s/scripts/plumb"):format(build, root)
M.script = root .. "/scripts/plumb"
M.build = build

local function slurp(path)
  local f = assert(io.open(path))
  local s = f:read("a")
  f:close()
  os.remove(path)
  return s
end

--- Run `plumb ARGS` (a shell word string); returns status, stdout, stderr.
-- @tparam string args
-- @tparam[opt] string env shell text put before the command (VAR=value ...)
-- @tparam[opt] string lua the interpreter and its options (`lua5.4 -e "..."`)
function M.run(args, env, lua)
  local out, err = os.tmpname(), os.tmpname()
  local cmd = lua and ("PLUMB_BUILD=%s %s %s"):format(M.build, lua, M.script) or M.cmd
  local _, how, code = os.execute(("%s %s %s </dev/null >%s 2>%s"):format(env or "", cmd, args, out, err))
  if how == "signal" then code = 128 + code end
  return code, slurp(out), slurp(err)
end

--- Run a shell command line (iproute2, mostly); returns its stdout (raises on failure).
-- Without the sanitizer preload of `make check SAN=1`: that is for plumb, and iproute2 6.1
-- trips it itself (strncpy-param-overlap in `ip route show table all`).
function M.sh(line)
  local p = assert(io.popen("env -u LD_PRELOAD " .. line))
  local s = p:read("a")
  local ok, _, code = p:close()
  if not ok then error(("%s: exit %s"):format(line, tostring(code)), 2) end
  return s
end

return M
