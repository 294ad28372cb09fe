#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# mkplugin.py: builds the SPS plugin zip from a staged `make install` (run by
# `make sps-plugin`, see sps/local.mk).  Standard library only.
#
# The zip (doc/sps.md):
#   MANIFEST  main.py  default.cfg  stacks/default.stack
#   bin/credstack
#   lib/libcredstack.so.0            (the real file under its soname)
#   lib/credstack/modules/*.so
#   lib/<dependency>.so.N            (--bundle: what ldd lists, but glibc)
# main.py runs bin/credstack with LD_LIBRARY_PATH=<plugin>/lib and
# CREDSTACK_MODULE_DIR=<plugin>/lib/credstack/modules.
import argparse
import os
import re
import subprocess
import sys
import time
import zipfile

MAX_SIZE = 20 * 1024 * 1024

# Part of every glibc system (and of the C runtime): never bundled.
SYSTEM_LIBS = re.compile(
    r"^(linux-vdso|linux-gate|ld-linux[^/]*|ld64|libc|libm|libmvec|libpthread|"
    r"libdl|librt|libresolv|libutil|libanl|libBrokenLocale|libnss_[a-z]+|"
    r"libgcc_s)\.so(\.[0-9]+)*$")


def fail(msg):
    sys.stderr.write("mkplugin: %s\n" % msg)
    sys.exit(1)


def staged(stage, path):
    return os.path.join(stage, path.lstrip("/"))


def ldd_deps(files, libdir):
    """soname -> path of every shared library the files need, as ldd finds them."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = libdir + (
        ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    deps = {}
    for f in files:
        try:
            out = subprocess.run(["ldd", f], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=env, check=True,
                                 universal_newlines=True).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            fail("ldd %s: %s" % (f, exc))
        for line in out.splitlines():
            m = re.match(r"^\s*(\S+)\s+=>\s+(\S+)", line)
            if not m:
                continue
            name, path = m.group(1), m.group(2)
            if path == "not":
                fail("%s: %s not found" % (f, name))
            deps[name] = path
    return deps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", required=True, help="the DESTDIR of the install")
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--libdir", required=True)
    ap.add_argument("--moduledir", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--bundle", choices=("yes", "no"), default="yes")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    binary = staged(a.stage, os.path.join(a.bindir, "credstack"))
    libdir = staged(a.stage, a.libdir)
    library = os.path.join(libdir, "libcredstack.so.0")
    moddir = staged(a.stage, a.moduledir)
    for f in (binary, library):
        if not os.path.isfile(f):
            fail("%s: missing from the staged install" % f)
    modules = sorted(m for m in os.listdir(moddir) if m.endswith(".so"))
    if not modules:
        fail("%s: no modules" % moddir)

    # (name in the zip, file on disk or bytes, mode)
    entries = []
    with open(os.path.join(a.srcdir, "sps", "MANIFEST.in")) as f:
        manifest = f.read().replace("@VERSION@", a.version)
    entries.append(("MANIFEST", manifest.encode(), 0o644))
    entries.append(("main.py", os.path.join(a.srcdir, "sps", "main.py"), 0o755))
    entries.append(("default.cfg", os.path.join(a.srcdir, "sps", "default.cfg"),
                    0o644))
    entries.append(("stacks/default.stack",
                     os.path.join(a.srcdir, "etc", "default.stack.sample"),
                     0o644))
    entries.append(("bin/credstack", binary, 0o755))
    entries.append(("lib/libcredstack.so.0", os.path.realpath(library), 0o755))
    for m in modules:
        entries.append(("lib/credstack/modules/" + m,
                        os.path.realpath(os.path.join(moddir, m)), 0o755))

    if a.bundle == "yes":
        elves = [binary, library] + [os.path.join(moddir, m) for m in modules]
        for name, path in sorted(ldd_deps(elves, libdir).items()):
            if name == "libcredstack.so.0" or SYSTEM_LIBS.match(name):
                continue
            entries.append(("lib/" + name, os.path.realpath(path), 0o755))

    tmp = a.out + ".tmp"
    stamp = time.localtime(time.time())[:6]
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, src, mode in entries:
            data = src if isinstance(src, bytes) else open(src, "rb").read()
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3  # Unix: unzip restores the mode bits
            z.writestr(info, data)
    size = os.path.getsize(tmp)
    if size >= MAX_SIZE:
        os.unlink(tmp)
        fail("%s would be %d bytes: SPS takes at most 20 MB" % (a.out, size))
    os.replace(tmp, a.out)
    sys.stdout.write("mkplugin: %s: %d files, %d bytes\n" %
                     (a.out, len(entries), size))


if __name__ == "__main__":
    main()
