#!/usr/bin/env python3
"""Yinglong against qemu-system-x86_64 (TCG), side by side.

  bench.py loops  [options]   guest MIPS of tight integer loops (loops.asm)
  bench.py ir     [options]   host instructions per guest instruction of
                              the loops (valgrind), for one or more Yinglong
                              binaries (--yinglong A,B): exact comparisons
  bench.py linux  [options]   Linux workloads (boot, sha256sum, gzip, fork+exec,
                              memory copy) timed in the guest, plus the same
                              busybox commands run natively, and peak RSS

Both emulators run alternately, several times; the tables show medians and
ratios Yinglong/QEMU of the times (below 1.0: Yinglong is faster).  An
emulator that cannot run a workload gets "n/a" instead of a number.
"""
import argparse
import os
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOOPS = ["alu", "mem", "branch", "call", "string", "loop7", "mix"]
GUEST_ARGS = ["-nodefaults", "-machine", "pc", "-m", "64", "-display", "none",
              "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
MAX_INSNS = 4_000_000_000      # loops.asm prints the count as 32 bits


def median(xs):
    return statistics.median(xs) if xs else None


def geomean(xs):
    xs = [x for x in xs if x]
    if not xs:
        return None
    p = 1.0
    for x in xs:
        p *= x
    return p ** (1.0 / len(xs))


def fmt(x, spec="%.2f"):
    return "n/a" if x is None else spec % x


def ratio(a, b):
    return a / b if a is not None and b else None


def table(head, rows):
    """Plain text table, first column left-aligned."""
    cols = [head] + rows
    w = [max(len(r[i]) for r in cols) for i in range(len(head))]
    out = []
    for n, r in enumerate(cols):
        out.append("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i])
                             for i, c in enumerate(r)))
        if n == 0:
            out.append("  ".join("-" * x for x in w))
    return "\n".join(out)


# ---- guest loops -----------------------------------------------------------

class Loops:
    def __init__(self, args):
        self.args = args
        self.out = os.path.join(args.build, "bench", "loops")
        os.makedirs(self.out, exist_ok=True)
        self.insns = {}

    def binary(self, bench, mode, iters):
        name = "%s-%d-%d.bin" % (bench, mode, iters)
        path = os.path.join(self.out, name)
        src = os.path.join(HERE, "loops.asm")
        if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(src):
            cmd = ["nasm", "-f", "bin", "-I" + os.path.join(ROOT, "tests/guest") + "/",
                   "-DBENCH=" + bench, "-DITERS=%d" % iters, "-o", path, src]
            if mode == 64:
                cmd.insert(3, "-DLONG")
            subprocess.run(cmd, check=True)
        return path

    def run(self, emu, path):
        """Seconds of one run (CPU or wall clock, see --clock) and its
        BENCH line, or (None, why)."""
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        try:
            p = subprocess.run(emu + GUEST_ARGS + ["-kernel", path], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=self.args.timeout)
        except subprocess.TimeoutExpired:
            return None, "timed out"
        t = time.perf_counter() - t0
        if self.args.clock == "cpu":
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
        m = re.search(rb"BENCH \w+ insns=(\d+) sum=([0-9a-f]+)", p.stdout)
        if p.returncode != 33 or not m:
            return None, "exit %d, output %r" % (p.returncode, p.stdout[-200:])
        return t, (int(m.group(1)), m.group(2).decode())

    def iters_for(self, bench, insns):
        per = self.per_iter(bench)
        return max(8, int(insns / per) // 8 * 8)

    def per_iter(self, bench):
        if bench not in self.insns:
            t, res = self.run(self.args.qemu_cmd, self.binary(bench, 32, 8))
            if t is None:
                t, res = self.run(self.args.yl_cmd, self.binary(bench, 32, 8))
            self.insns[bench] = res[0] / 8 if t is not None else 1
        return self.insns[bench]

    def measure(self, bench, mode):
        """MIPS per emulator: runs of a big and a tiny ITERS, the difference
        of their median times is the loop's."""
        emus = {"yinglong": self.args.yl_cmd, "qemu": self.args.qemu_cmd}
        small = self.binary(bench, mode, 8)
        big = {}
        sums = {}
        for name, emu in emus.items():
            # Calibrate: grow a probe until it runs a quarter of a second
            # longer than the tiny program; that says the speed roughly.
            t0, res = self.run(emu, small)
            probe = 20e6
            while t0 is not None:
                t1, res = self.run(emu, self.binary(bench, mode, self.iters_for(bench, probe)))
                if t1 is None or t1 - t0 > 0.25 or probe >= MAX_INSNS:
                    break
                probe = min(probe * 8, MAX_INSNS)
            if t0 is None or t1 is None:
                sys.stderr.write("bench: %s %s-%d: %s\n" % (name, bench, mode, res))
                continue
            rate = res[0] / max(t1 - t0, 0.05)
            want = min(rate * self.args.seconds, MAX_INSNS)
            big[name] = self.binary(bench, mode, self.iters_for(bench, want))
        times = {n: ([], []) for n in big}
        order = list(big)
        for r in range(self.args.repeat):
            for name in (order if r % 2 == 0 else order[::-1]):
                for k, path in enumerate((big[name], small)):
                    t, res = self.run(emus[name], path)
                    if t is None:
                        sys.stderr.write("bench: %s %s-%d: %s\n" % (name, bench, mode, res))
                        continue
                    times[name][k].append(t)
                    if k == 0:
                        sums.setdefault(name, res)
        mips = {}
        for name, (tb, ts) in times.items():
            if tb and ts:
                n_big = sums[name][0] - 8 * self.per_iter(bench)
                dt = median(tb) - median(ts)
                mips[name] = n_big / dt / 1e6 if dt > 0 else None
        # Same program, same answer: both emulators must agree on the small run.
        check = {n: self.run(emus[n], small)[1] for n in big}
        if len(set(map(str, check.values()))) > 1:
            sys.stderr.write("bench: %s-%d: results differ %r\n" % (bench, mode, check))
        return mips.get("yinglong"), mips.get("qemu")

    def ir(self, emu, path):
        """Host instructions of one run, counted by valgrind (cachegrind
        without its cache simulation): exact and repeatable, unlike time
        on a busy host."""
        p = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                            "--cachegrind-out-file=/dev/null"] + emu + GUEST_ARGS +
                           ["-kernel", path], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=self.args.timeout)
        m = re.search(rb"I\s+refs:\s+([\d,]+)", p.stderr)
        if p.returncode != 33 or not m:
            return None
        return int(m.group(1).replace(b",", b""))

    def main_ir(self):
        """Host instructions per guest instruction for each --yinglong
        binary (several may be given, separated by commas)."""
        emus = [shlex.split(e) for e in self.args.yinglong.split(",")]
        rows = []
        for mode in self.args.modes:
            for bench in self.args.only or LOOPS:
                small = self.binary(bench, mode, 8)
                iters = self.iters_for(bench, self.args.ir_insns)
                big = self.binary(bench, mode, iters)
                n = (iters - 8) * self.per_iter(bench)
                row = ["%s-%d" % (bench, mode)]
                for emu in emus:
                    a, b = self.ir(emu, big), self.ir(emu, small)
                    row.append(fmt(a is not None and b is not None and (a - b) / n or None,
                                   "%.1f"))
                rows.append(row)
        print("Host instructions per guest instruction (valgrind, %.0f M guest instructions)"
              % (self.args.ir_insns / 1e6))
        print(table(["loop"] + [os.path.basename(e[0]) for e in emus], rows))

    def main(self):
        if self.args.what == "ir":
            return self.main_ir()
        rows = []
        ratios = []
        for mode in self.args.modes:
            for bench in self.args.only or LOOPS:
                yl, q = self.measure(bench, mode)
                r = ratio(q, yl)       # time ratio: YL time / QEMU time
                ratios.append(r)
                rows.append(["%s-%d" % (bench, mode), fmt(yl, "%.0f"), fmt(q, "%.0f"), fmt(r)])
                sys.stdout.flush()
                print("  %-10s yinglong %s  qemu %s" % (rows[-1][0], rows[-1][1], rows[-1][2]),
                      file=sys.stderr, flush=True)
        rows.append(["geomean", "", "", fmt(geomean(ratios))])
        print("Guest loops: MIPS (medians of %d runs, ~%.1f s of %s time each); "
              "ratio = Yinglong time / QEMU time" % (self.args.repeat, self.args.seconds,
                                                     self.args.clock))
        print(table(["loop", "Yinglong", "QEMU", "ratio"], rows))


# ---- Linux workloads ---------------------------------------------------------

WORKLOADS = ["boot", "sha256", "gzip", "forkexec", "memcopy"]


class Linux:
    def __init__(self, args):
        self.args = args
        self.kit = args.kit
        self.out = os.path.join(args.build, "bench", "linux")
        os.makedirs(self.out, exist_ok=True)

    def busybox(self):
        bb = os.path.join(self.kit, "busybox-pkg", "bin", "busybox")
        if not os.path.exists(bb):
            sys.exit("bench: %s missing: run make linux-guest first" % bb)
        return bb

    def initrd(self):
        """The kit's busybox with the benchmark's /init and workloads."""
        path = os.path.join(self.out, "initrd-bench.gz")
        root = os.path.join(self.out, "initramfs")
        shutil.rmtree(root, ignore_errors=True)
        for d in ("bin", "sbin", "dev", "proc", "sys", "tmp"):
            os.makedirs(os.path.join(root, d))
        shutil.copy(self.busybox(), os.path.join(root, "bin", "busybox"))
        os.symlink("busybox", os.path.join(root, "bin", "sh"))
        shutil.copy(os.path.join(HERE, "init"), os.path.join(root, "init"))
        shutil.copy(os.path.join(HERE, "workloads.sh"), os.path.join(root, "workloads.sh"))
        subprocess.run("cd %s && find . -print0 | LC_ALL=C sort -z | "
                       "cpio --null -o -H newc -R 0:0 --quiet | gzip -1 > %s"
                       % (shlex.quote(root), shlex.quote(os.path.abspath(path))),
                       shell=True, check=True)
        return path

    def run_guest(self, emu, initrd, log):
        """Times (s) per workload, and peak RSS (KiB); None where it failed.
        The console goes to the file log."""
        cmd = emu + ["-nodefaults", "-nographic", "-serial", "stdio", "-m", "512",
                     "-no-reboot", "-kernel", os.path.join(self.kit, "vmlinuz-amd64"),
                     "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet"]
        res = {}
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        deadline = t0 + self.args.boot_timeout
        done = False
        os.set_blocking(p.stdout.fileno(), False)
        buf = b""
        while True:
            now = time.perf_counter()
            if now > deadline:
                os.killpg(p.pid, signal.SIGKILL)
                break
            try:
                chunk = p.stdout.read()
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                break           # EOF: the emulator exited (reaped below)
            if not chunk:
                time.sleep(0.01)
                continue
            buf += chunk
            log.write(chunk)
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.decode(errors="replace").strip()
                # The firmware's terminal resets may share the line.
                if "BENCH-" in line:
                    line = line[line.index("BENCH-"):]
                if line.startswith("BENCH-INIT"):
                    res["boot"] = now - t0
                    deadline = now + self.args.timeout
                elif line.startswith("BENCH-RESULT"):
                    _, name, secs = line.split()
                    res[name] = float(secs)
                elif line.startswith("BENCH-FAIL"):
                    res[line.split()[1]] = None
                elif line.startswith("BENCH-DONE"):
                    done = True
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status   # reaped here, for its rusage
        if not done:
            sys.stderr.write("bench: %s did not finish (status %d)\n" % (emu[0], status))
        for name in list(res):
            if res[name] is None:
                del res[name]
        return res, ru.ru_maxrss

    def native(self):
        """The workloads on the host, with the same busybox."""
        base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        with tempfile.TemporaryDirectory(dir=base) as d:
            bindir = os.path.join(d, "bin")
            os.makedirs(bindir)
            shutil.copy(self.busybox(), os.path.join(bindir, "busybox"))
            for a in ("sh", "true", "sha256sum", "gzip", "dd", "cat", "awk", "rm"):
                os.symlink("busybox", os.path.join(bindir, a))
            p = subprocess.run([os.path.join(bindir, "sh"), os.path.join(HERE, "workloads.sh"),
                                d, bindir], capture_output=True, text=True)
        return {m.group(1): float(m.group(2))
                for m in re.finditer(r"BENCH-RESULT (\S+) (\S+)", p.stdout)}

    def main(self):
        initrd = self.initrd()
        emus = {"yinglong": self.args.yl_cmd, "qemu": self.args.qemu_cmd + ["-cpu", "max"]}
        times = {n: {w: [] for w in WORKLOADS} for n in emus}
        rss = {n: [] for n in emus}
        native = {w: [] for w in WORKLOADS}
        broken = set()
        order = list(emus)
        for r in range(self.args.repeat):
            for name in (order if r % 2 == 0 else order[::-1]):
                if name in broken:
                    continue
                with open(os.path.join(self.out, "%s-%d.log" % (name, r + 1)), "wb") as log:
                    res, maxrss = self.run_guest(emus[name], initrd, log)
                print("  run %d %-8s %s rss %d MiB" % (r + 1, name, " ".join(
                    "%s=%.2f" % kv for kv in res.items()), maxrss // 1024),
                    file=sys.stderr, flush=True)
                if "boot" not in res:
                    broken.add(name)     # cannot boot: do not retry
                    continue
                for w, t in res.items():
                    if w in times[name]:
                        times[name][w].append(t)
                rss[name].append(maxrss)
            for w, t in self.native().items():
                native[w].append(t)
        rows = []
        ratios = []
        for w in WORKLOADS:
            yl, q, n = median(times["yinglong"][w]), median(times["qemu"][w]), median(native[w])
            ratios.append(ratio(yl, q))
            rows.append([w, fmt(yl), fmt(q), fmt(ratio(yl, q)), fmt(n),
                         fmt(ratio(yl, n), "%.1f"), fmt(ratio(q, n), "%.1f")])
        rows.append(["geomean", "", "", fmt(geomean(ratios)), "", "", ""])
        yr, qr = median(rss["yinglong"]), median(rss["qemu"])
        rows.append(["peak RSS MiB", fmt(yr and yr / 1024, "%.0f"), fmt(qr and qr / 1024, "%.0f"),
                     fmt(ratio(yr, qr)), "", "", ""])
        print("Linux workloads: seconds (medians of %d runs; boot = host time from start "
              "to /init, the others timed in the guest)" % self.args.repeat)
        print(table(["workload", "Yinglong", "QEMU", "YL/QEMU", "native", "YL/nat", "QEMU/nat"],
                    rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["loops", "linux", "all", "ir"])
    ap.add_argument("--yinglong", default=os.path.join(ROOT, "build", "yinglong"))
    ap.add_argument("--qemu", default="qemu-system-x86_64 -accel tcg")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--kit", help="the Linux guest kit (make linux-guest); default BUILD/linux")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=1.0, help="loops: length of a timed run")
    ap.add_argument("--modes", default="32,64", help="loops: 32 and/or 64")
    ap.add_argument("--only", help="loops: comma-separated list of " + ",".join(LOOPS))
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                    help="loops: time the emulator's CPU time (user+sys, robust on a busy "
                    "host; the default) or wall-clock time")
    ap.add_argument("--ir-insns", type=float, default=3e6,
                    help="ir: guest instructions per counted run")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--boot-timeout", type=float, default=300,
                    help="linux: seconds to reach /init before an emulator counts as n/a")
    args = ap.parse_args()
    args.yl_cmd = shlex.split(args.yinglong)
    args.qemu_cmd = shlex.split(args.qemu)
    args.modes = [int(m) for m in args.modes.split(",")]
    args.only = args.only.split(",") if args.only else None
    args.kit = args.kit or os.path.join(args.build, "linux")
    if args.what in ("loops", "all", "ir"):
        Loops(args).main()
    if args.what in ("linux", "all"):
        Linux(args).main()


if __name__ == "__main__":
    main()
