#!/bin/sh
# /init of the plumb-vm initramfs (runs as PID 1 under busybox sh).
#
# Copied into the initramfs by scripts/plumb-vm; never run on the host.
# Contract with scripts/plumb-vm:
#   /preload.list        "module.ko [params...]" lines, in load order
#   9p tag "hostroot"    host / (read-only)       -> /newroot
#   9p tag "project"     project dir (read-only)  -> /newroot$PLUMB_PROJECT
#   9p tag "plumbio"     run dir (read-write)     -> /io
#   /io/config           sourced: PLUMB_PROJECT, PLUMB_MODROOT, PLUMB_MODCONF
#   /io/cmd              sh script run in the chroot (env + cd + exec CMD)
#   /io/status           written here: the command's exit status
#   ttyS0 = kernel console/log, ttyS1 = command stdout, ttyS2 = command stderr
export PATH=/bin:/sbin

/bin/busybox mkdir -p /proc /sys /dev /io /newroot /sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

fail() {
	echo "plumb-vm init: $*"
	echo 125 >/io/status 2>/dev/null
	sync
	poweroff -f
	sleep 60
}

# Modules: 9p/virtio first, then the network drivers the suite needs.
while read -r ko params; do
	[ -n "$ko" ] || continue
	# shellcheck disable=SC2086 # params are word-split on purpose
	insmod "/modules/$ko" $params || echo "plumb-vm init: insmod $ko failed"
done </preload.list

mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,access=any plumbio /io ||
	fail "cannot mount the plumbio share"
[ -r /io/config ] || fail "no /io/config"
# shellcheck source=/dev/null
. /io/config

mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose,access=any hostroot /newroot ||
	fail "cannot mount the host root"
R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm 2>/dev/null
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
# The project may live under /tmp or /run (hidden by the tmpfs above):
# mount its own share at its own path.
mkdir -p "$R$PLUMB_PROJECT" 2>/dev/null
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose,access=any project "$R$PLUMB_PROJECT" ||
	fail "cannot mount the project share"

# Autoload of any other module (e.g. "ip link add ... type X"): the kernel
# runs this helper in the initramfs root; kmod runs from the host root.
cat >/sbin/plumb-modprobe <<EOF
#!/bin/sh
exec chroot $R /sbin/modprobe -d "$PLUMB_MODROOT" -C "$PLUMB_MODCONF" "\$@"
EOF
chmod 755 /sbin/plumb-modprobe
echo /sbin/plumb-modprobe >/proc/sys/kernel/modprobe

hostname plumb-vm
ip link set lo up

for t in /dev/ttyS1 /dev/ttyS2; do
	stty -F $t raw -echo -onlcr 115200 || fail "cannot set up $t"
done
cp /io/cmd $R/run/plumb-vm.cmd || fail "no /io/cmd"

chroot $R /usr/bin/env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root USER=root LOGNAME=root SHELL=/bin/sh LANG=C.UTF-8 TERM=dumb \
	PLUMB_VM=1 \
	/bin/sh /run/plumb-vm.cmd </dev/null >/dev/ttyS1 2>/dev/ttyS2
rc=$?

# Wait until both UARTs have sent everything (tcsetattr TCSADRAIN).
stty -F /dev/ttyS1 raw
stty -F /dev/ttyS2 raw
echo "$rc" >/io/status.tmp && mv /io/status.tmp /io/status
sync
poweroff -f
sleep 60
