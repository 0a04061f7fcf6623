import os, pty, sys, json, re, select, time, signal
steps = json.load(open(sys.argv[1]))
cmd = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
def read_until(rx, timeout=10):
    global out
    end = time.time() + timeout
    start = len(out)
    while True:
        m = re.search(rx.encode(), out[start:] if False else out)
        if m: return True
        t = end - time.time()
        if t <= 0: return False
        r, _, _ = select.select([fd], [], [], t)
        if r:
            try: d = os.read(fd, 4096)
            except OSError: return False
            if not d: return False
            out += d
mark = 0
ok = True
for st in steps:
    kind, arg = st[0], st[1]
    if kind == "send":
        os.write(fd, arg.encode()); time.sleep(0.15)
    elif kind == "expect":
        # search only in output after the previous expect's match
        end = time.time() + 10
        while True:
            m = re.search(arg.encode(), out[mark:])
            if m: mark += m.end(); break
            t = end - time.time()
            r, _, _ = select.select([fd], [], [], max(t, 0))
            d = b""
            if r:
                try: d = os.read(fd, 4096)
                except OSError: d = b""
            if not d:
                ok = False; break
            out += d
        if not ok:
            sys.stdout.write("EXPECT FAILED: %r\n" % arg); break
# drain
end = time.time() + 5
while True:
    r, _, _ = select.select([fd], [], [], max(end - time.time(), 0))
    if not r: break
    try: d = os.read(fd, 4096)
    except OSError: break
    if not d: break
    out += d
try:
    _, status = os.waitpid(pid, os.WNOHANG)
except ChildProcessError:
    status = 0
sys.stdout.write(out.decode(errors="replace"))
sys.exit(0 if ok else 1)
