-- Helpers shared by the project's specs (not part of the installed module).
local testing = require "plumb.testing"

local support = {}

--- Compare every field `ip -j -d` printed (`want`) with plumb's record (`got`); returns a
-- list of differences (empty when equal). `path` names the place in the record.
function support.diff(want, got, path, out)
  out = out or {}
  path = path or ""
  if type(want) == "table" then
    if type(got) ~= "table" then
      out[#out + 1] = ("%s: ip %s, plumb %s"):format(path, "table", tostring(got))
      return out
    end
    if path == ".flags" then
      -- the same flags in the same order, M-DOWN (the parent is down) included
      local a, b = table.concat(want, ","), table.concat(got, ",")
      if a ~= b then out[#out + 1] = ("%s: ip %s, plumb %s"):format(path, a, b) end
      return out
    end
    for k, v in pairs(want) do
      -- running timers move between the two reads
      if not tostring(k):match("_timer$") then
        support.diff(v, got[k], path .. "." .. tostring(k), out)
      end
    end
  elseif want ~= got then
    out[#out + 1] = ("%s: ip %s, plumb %s"):format(path, tostring(want), tostring(got))
  end
  return out
end

--- `rec` (a record from ip) without its running timers (`gc_timer`, `hold_timer`, ...), which
-- move between ip's reading and plumb's. Returns `rec`, changed in place.
function support.without_timers(rec)
  for k, v in pairs(rec) do
    if type(k) == "string" and k:match("_timer$") then
      rec[k] = nil
    elseif type(v) == "table" then
      support.without_timers(v)
    end
  end
  return rec
end

--- Call `fn` until it returns an empty list of differences, at most `secs` seconds (default
-- 5), and return its last result. Link state settles asynchronously after a change (the
-- kernel's linkwatch moves operstate and IFF_RUNNING later than the carrier): on a slow
-- (emulated) kernel plumb's read and ip's can fall on either side of that moment.
function support.settle(fn, secs)
  local d
  for _ = 1, math.floor((secs or 5) * 10) do
    d = fn()
    if #d == 0 then break end
    os.execute("sleep 0.1")
  end
  return d
end

--- Check that plumb's record of every link in namespace `ns` matches `ip -j -d` (once the
-- links' state has settled, at most 5 s).
function support.same_as_ip(h, ns)
  return support.settle(function() return support.same_as_ip_once(h, ns) end)
end

--- The same, one read each, without waiting.
function support.same_as_ip_once(h, ns)
  local ip = testing.ip_json("-d link show", ns)
  local byname = {}
  for _, l in ipairs(assert(h:links())) do byname[l.ifname] = l end
  local diffs = {}
  for _, want in ipairs(ip) do
    local got = byname[want.ifname]
    if not got then
      diffs[#diffs + 1] = want.ifname .. ": missing from plumb"
    else
      for _, d in ipairs(support.diff(want, got)) do diffs[#diffs + 1] = want.ifname .. d end
    end
  end
  return diffs
end

--- `ip -j ARGS` in namespace `ns`, decoded, with ip's flag keys (`"router": null`,
-- `"not": null`, ...) turned into `true`, the form plumb's records give them.
function support.ip_json(args, ns)
  local cmd = ns and ("ip -n " .. ns .. " -j " .. args) or ("ip -j " .. args)
  local text = testing.sh(cmd):gsub('":null', '":true')
  return testing.json_decode(text)
end

return support
