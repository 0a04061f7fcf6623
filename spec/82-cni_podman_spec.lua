-- A real runtime: Debian's podman (4.3, its CNI network backend) runs a busybox container on a
-- network whose plugin is plumb-bridge, and the container pings the gateway. Everything podman
-- keeps lives in a temporary directory: its storage (--root, --runroot), containers.conf
-- (CONTAINERS_CONF), the network configuration directory and the plugin directories; podman runs
-- in a sandbox network namespace standing for the host, in a mount namespace of its own where a
-- tmpfs over /var/lib holds the two directories podman 4.3 writes whatever it is told (libcni's
-- cache, /var/lib/cni; the image blob cache, /var/lib/containers/cache), bound from the
-- temporary directory; image copies go to its tmp/, not /var/tmp. The host's /etc/cni,
-- /etc/containers, /var/lib/cni and /var/lib/containers are checked unchanged afterwards.
--
-- Settings this machine needs (README, "podman on this machine"): runc (crun refuses the hybrid
-- cgroup layout), cgroupfs (no systemd), vfs storage (no overlay in the sandbox),
-- default_ulimits at the current limits (raising them needs CAP_SYS_RESOURCE), the CNI backend.
local testing = require "plumb.testing"
local R = require "recipes_support"
local L = require "libcni_support"
local cni = require "plumb.cni"
local shq = L.shq

-- the host paths podman could touch: each one's existence and, for a directory, its listing
local watched = { "/etc/cni", "/etc/containers", "/var/lib/cni", "/var/lib/containers" }
local function host_state()
  local out = {}
  for _, p in ipairs(watched) do
    local ok, text = pcall(testing.sh, "find " .. p .. " -printf '%p %s %T@\\n' 2>/dev/null | sort")
    out[p] = ok and text or "absent"
  end
  return out
end

-- the soft and hard limit `what` ("Max open files") of this process, as podman's "soft:hard"
local function limit(what)
  local f = assert(io.open("/proc/self/limits"))
  local text = f:read("a")
  f:close()
  local soft, hard = text:match(what .. "%s+(%S+)%s+(%S+)")
  assert(soft, what)
  return ("%s:%s"):format(soft == "unlimited" and "-1" or soft, hard == "unlimited" and "-1" or hard)
end

-- a private podman: configuration, network directory, image from busybox-static
local function setup(dir, plugin)
  for _, d in ipairs{ "net.d", "rootfs/bin", "varlib-cni", "varlib-containers", "ipam", "tmp" } do
    testing.sh("mkdir -p " .. shq(dir .. "/" .. d))
  end
  local nofile, nproc = limit("Max open files"), limit("Max processes")
  local dirs = {}
  for d in L.path:gmatch("[^:]+") do dirs[#dirs + 1] = '"' .. d .. '"' end
  local conf = table.concat({
    "[containers]",
    ('default_ulimits = ["nofile=%s", "nproc=%s"]'):format(nofile, nproc),
    "[network]",
    'network_backend = "cni"',
    ("cni_plugin_dirs = [%s]"):format(table.concat(dirs, ", ")),
    ('network_config_dir = "%s/net.d"'):format(dir),
    "[engine]",
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    ('events_logfile_path = "%s/events.log"'):format(dir),
    ('tmp_dir = "%s/tmp"'):format(dir),
    ('image_copy_tmp_dir = "%s/tmp"'):format(dir),
  }, "\n") .. "\n"
  local f = assert(io.open(dir .. "/containers.conf", "w"))
  f:write(conf)
  f:close()
  L.write(dir .. "/net.d", { cniVersion = "1.0.0", name = "plumbnet", plugins = { {
    type = plugin, bridge = "pbr0", isGateway = true,
    ipam = { type = "host-local", ranges = { { { subnet = "10.97.0.0/24" } } }, dataDir = dir .. "/ipam" } } } })
  testing.sh(("cp /bin/busybox %s/rootfs/bin/ && ln -s busybox %s/rootfs/bin/sh && tar -C %s/rootfs -cf %s/bb.tar .")
    :format(shq(dir), shq(dir), shq(dir), shq(dir)))
end

-- run podman with `args` in namespace `host` (nsenter, not ip netns exec, which mounts a
-- sysfs of the namespace over /sys and so hides the cgroup mounts runc needs); returns its output (stdout and stderr) and
-- whether it exited 0. At most 120 s.
local function podman(host, dir, args)
  local script = table.concat({
    "mount -t tmpfs plumb-podman /var/lib",
    "mkdir -p /var/lib/cni /var/lib/containers",
    'mount --bind "$1/varlib-cni" /var/lib/cni',
    'mount --bind "$1/varlib-containers" /var/lib/containers',
    'export CONTAINERS_CONF="$1/containers.conf" CONTAINERS_REGISTRIES_CONF=/dev/null TMPDIR="$1/tmp"',
    'd=$1; shift',
    'exec timeout 120 podman --root "$d/root" --runroot "$d/runroot" --storage-driver vfs '
      .. '--runtime runc --cgroup-manager cgroupfs "$@"',
  }, "\n")
  local cmd = ("nsenter --net=/run/netns/%s unshare --mount --propagation private sh -c %s sh %s %s 2>&1"):format(host,
    shq(script), shq(dir), args)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok = p:close()
  return out, ok == true
end

describe("podman with its CNI backend", function()
  testing.leakcheck()

  for _, plugin in ipairs{ "bridge", "plumb-bridge" } do
    it(("runs a container on a network of plugin %s; the container pings the gateway"):format(plugin), function()
      local before = host_state()
      local sb = testing.sandbox("podh")
      local dir = R.tmpdir()
      finally(function()
        sb:close()
        R.rmtree(dir)
      end)
      setup(dir, plugin)
      local out, ok = podman(sb.ns, dir, "import " .. shq(dir .. "/bb.tar") .. " localhost/plumb-bb")
      assert(ok, out)
      out, ok = podman(sb.ns, dir, "network ls --format '{{.Name}} {{.Driver}}'")
      assert(ok, out)
      assert.matches("plumbnet " .. plugin .. "\n", out, 1, true)
      out, ok = podman(sb.ns, dir, "run --rm --network plumbnet localhost/plumb-bb "
        .. "/bin/busybox sh -c 'ip -o -4 addr show dev eth0; ping -c 1 -W 3 10.97.0.1'")
      assert(ok, out)
      assert.matches("inet 10.97.0.2/24", out, 1, true)
      assert.matches("1 packets transmitted, 1 packets received", out, 1, true)
      -- the bridge with the gateway address in the host; the container's veth gone with --rm
      local br = assert(sb.h:link_get("pbr0"))
      assert.equal("bridge", br.linkinfo.info_kind)
      local ports = 0
      for _, l in ipairs(assert(sb.h:links())) do
        if l.master == "pbr0" then ports = ports + 1 end
      end
      assert.equal(0, ports)
      local found = false
      for _, a in ipairs(assert(sb.h:addrs{ dev = "pbr0" })) do
        if a["local"] == "10.97.0.1" and a.prefixlen == 24 then found = true end
      end
      assert.is_true(found)
      -- the network as podman reads it
      out, ok = podman(sb.ns, dir, "network inspect plumbnet")
      assert(ok, out)
      local nets = assert(cni.decode(out), out)
      assert.equal("plumbnet", nets[1].name)
      assert.same(before, host_state())
    end)
  end
end)
