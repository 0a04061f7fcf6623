local testing = require "plumb.testing"

describe("plumb.core", function()
  it("serves several lua_States on several threads at once", function()
    local root = assert(os.getenv("PLUMB_ROOT"))
    local build = os.getenv("PLUMB_BUILD") or "build"
    local bin = root .. "/" .. build .. "/test-threads"
    local f = io.open(bin)
    assert(f, bin .. " missing: run it through make check")
    f:close()
    local out = testing.sh(("%s %q"):format(bin, root .. "/" .. build .. "/lib/?.so"))
    assert.matches("threads: ok", out)
  end)
end)
