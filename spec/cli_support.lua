-- Running the plumb command from specs: its exit status, stdout and stderr.
local M = {}

local root = assert(os.getenv("PLUMB_ROOT"))
local build = os.getenv("PLUMB_BUILD") or "build"
M.root = root
M.cmd = ("PLUMB_BUILD=%s %s/scripts/plumb"):format(build, root)

local function slurp(path)
  local f = assert(io.open(path))
  local s = f:read("a")
  f:close()
  os.remove(path)
  return s
end

--- Run `plumb ARGS` (a shell word string); returns status, stdout, stderr.
-- @tparam string args
-- @tparam[opt] string prefix shell text put before the command (environment, lua5.4 -e ...)
function M.run(args, prefix)
  local out, err = os.tmpname(), os.tmpname()
  local _, how, code = os.execute(("%s %s %s </dev/null >%s 2>%s"):format(prefix or "", M.cmd, args, out, err))
  if how == "signal" then code = 128 + code end
  return code, slurp(out), slurp(err)
end

--- Run a shell command line; returns its stdout (raises on failure).
function M.sh(line)
  local p = assert(io.popen(line))
  local s = p:read("a")
  local ok, _, code = p:close()
  if not ok then error(("%s: exit %s"):format(line, tostring(code)), 2) end
  return s
end

return M
