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
#   GLIBC_FLOOR                      the highest GLIBC_x.y any of these needs
# Every ELF file gets an $ORIGIN-relative RUNPATH (patchelf), so that the zip
# finds its own libraries wherever it is unpacked, without LD_LIBRARY_PATH;
# the build fails if one of them would still resolve a library outside the
# zip (glibc aside).  main.py also runs bin/credstack with
# LD_LIBRARY_PATH=<plugin>/lib and CREDSTACK_MODULE_DIR=<plugin>/lib/credstack/modules.
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
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


# ---- the glibc floor: ELF version-needed entries (SHT_GNU_verneed) ----

SHT_DYNSYM = 11
SHT_GNU_VERNEED = 0x6ffffffe
SHT_GNU_VERSYM = 0x6fffffff


def _cstr(data, off):
    end = data.index(b"\0", off)
    return data[off:end].decode("ascii", "replace")


def glibc_needs(path):
    """{"GLIBC_x.y": [symbol, ...]} that the ELF file at path needs from glibc.

    Reads the version-needed section (what `readelf -V` shows) and, to name
    the symbols, .gnu.version and .dynsym.  Not an ELF file: {}."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return {}
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3a)
        sh_fmt = end + "IIQQQQIIQQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2e)
        sh_fmt = end + "IIIIIIIIII"
    sections = [struct.unpack_from(sh_fmt, data, shoff + i * shentsize)
                for i in range(shnum)]
    # (name, type, flags, addr, offset, size, link, info, addralign, entsize)
    versions = {}  # version index -> name, for GLIBC_* only
    for sh in sections:
        if sh[1] != SHT_GNU_VERNEED:
            continue
        strtab = sections[sh[6]][4]
        off, count = sh[4], sh[7]
        for _ in range(count):
            _, cnt, _, aux, nxt = struct.unpack_from(end + "HHIII", data, off)
            a = off + aux
            for _ in range(cnt):
                _, _, other, name, anext = struct.unpack_from(end + "IHHII",
                                                              data, a)
                vname = _cstr(data, strtab + name)
                if vname.startswith("GLIBC_"):
                    versions[other] = vname
                a += anext
            off += nxt
    needs = {v: [] for v in versions.values()}
    versym = next((sh for sh in sections if sh[1] == SHT_GNU_VERSYM), None)
    dynsym = next((sh for sh in sections if sh[1] == SHT_DYNSYM), None)
    if versym and dynsym and dynsym[9]:
        strtab = sections[dynsym[6]][4]
        for i in range(dynsym[5] // dynsym[9]):
            ent = dynsym[4] + i * dynsym[9]
            name, = struct.unpack_from(end + "I", data, ent)
            shndx, = struct.unpack_from(end + "H", data, ent + (6 if is64 else 14))
            idx, = struct.unpack_from(end + "H", data, versym[4] + 2 * i)
            idx &= 0x7fff
            if shndx == 0 and idx in versions:  # undefined: needed
                needs[versions[idx]].append(_cstr(data, strtab + name))
    return needs


def version_key(name):
    return tuple(int(n) for n in re.findall(r"[0-9]+", name))


def glibc_floor(files):
    """(floor "x.y" or None, [(zip name, [symbols])] of what needs it)."""
    best, why = None, []
    for zname, path in files:
        needs = glibc_needs(path)
        if not needs:
            continue
        top = max(needs, key=version_key)
        if best is None or version_key(top) > version_key(best):
            best, why = top, []
        if top == best:
            why.append((zname, sorted(set(needs[top]))))
    return (best[len("GLIBC_"):] if best else None), why


# ---- $ORIGIN-relative RUNPATHs ----

def runpath_for(zname):
    """The search path of a file in the zip, and whether it is a DT_RPATH:
    bin/credstack gets DT_RPATH $ORIGIN/../lib, which the dynamic loader
    also searches for the libraries of objects without a search path of
    their own -- the modules, which credstack loads through /proc/self/fd
    (what was checked is what is loaded), where $ORIGIN would mean
    /proc/self/fd; the modules get none; lib/*.so* get DT_RUNPATH $ORIGIN
    for the libraries they need in turn."""
    if zname == "bin/credstack":
        return "$ORIGIN/../lib", True
    if "/modules/" in zname:
        return None, False
    return "$ORIGIN", False


def set_runpath(patchelf, path, runpath, force_rpath=False):
    if runpath is None:
        cmd = [patchelf, "--remove-rpath", path]
    elif force_rpath:
        cmd = [patchelf, "--force-rpath", "--set-rpath", runpath, path]
    else:
        cmd = [patchelf, "--set-rpath", runpath, path]
    try:
        subprocess.run(cmd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=True)
    except OSError as exc:
        fail("%s: %s (install patchelf, or pass PATCHELF=...)" % (patchelf, exc))
    except subprocess.CalledProcessError as exc:
        fail("%s: %s" % (" ".join(cmd),
                         exc.stderr.decode("utf-8", "replace").strip()))


def needed(path):
    out = subprocess.run(["readelf", "-d", path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.*)\]", out)


def check_self_contained(tree, elves):
    """Every library an ELF file needs, glibc aside, resolves inside tree
    with no LD_LIBRARY_PATH: what the search paths must achieve.  A module
    (no path of its own) must find what it needs in lib/, where the
    command's DT_RPATH looks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LD_")}
    real = os.path.realpath(tree) + os.sep
    for zname in elves:
        if "/modules/" in zname:
            for lib in needed(os.path.join(tree, zname)):
                if not SYSTEM_LIBS.match(lib) and not os.path.isfile(
                        os.path.join(tree, "lib", lib)):
                    fail("%s needs %s, which is not in the zip's lib/" %
                         (zname, lib))
            continue
        out = subprocess.run(["ldd", os.path.join(tree, zname)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, universal_newlines=True).stdout
        for line in out.splitlines():
            m = re.match(r"^\s*(\S+)\s+=>\s+(\S+)", line)
            if not m or SYSTEM_LIBS.match(m.group(1)):
                continue
            if m.group(2) == "not" or not os.path.realpath(
                    m.group(2)).startswith(real):
                fail("%s: %s resolves to %s, not to the zip's lib/ (RUNPATH)" %
                     (zname, m.group(1), m.group(2)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", required=True, help="the DESTDIR of the install")
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--libdir", required=True)
    ap.add_argument("--moduledir", required=True)
    ap.add_argument("--pkglibdir", required=True)
    ap.add_argument("--stackdir", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--bundle", choices=("yes", "no"), default="yes")
    ap.add_argument("--patchelf", default="patchelf")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    binary = staged(a.stage, os.path.join(a.bindir, "credstack"))
    libdir = staged(a.stage, a.libdir)
    library = os.path.join(libdir, "libcredstack.so.0")
    moddir = staged(a.stage, a.moduledir)
    pkglibdir = staged(a.stage, a.pkglibdir)
    stackdir = staged(a.stage, a.stackdir)
    # Private libraries the modules share (libcredstack-tpam.so).
    private = sorted(f for f in os.listdir(pkglibdir)
                     if f.endswith(".so") and os.path.isfile(
                         os.path.join(pkglibdir, f)))
    stacks = sorted(f for f in os.listdir(stackdir) if f.endswith(".stack"))
    for f in (binary, library):
        if not os.path.isfile(f):
            fail("%s: missing from the staged install" % f)
    modules = sorted(m for m in os.listdir(moddir) if m.endswith(".so"))
    if not modules:
        fail("%s: no modules" % moddir)

    # (name in the zip, file on disk or bytes, mode)
    entries = []
    entries.append(("main.py", os.path.join(a.srcdir, "sps", "main.py"), 0o755))
    entries.append(("default.cfg", os.path.join(a.srcdir, "sps", "default.cfg"),
                    0o644))
    entries.append(("stacks/default.stack",
                     os.path.join(a.srcdir, "etc", "default.stack.sample"),
                     0o644))
    for st in stacks:
        entries.append(("stacks/" + st, os.path.join(stackdir, st), 0o644))
    entries.append(("bin/credstack", binary, 0o755))
    entries.append(("lib/libcredstack.so.0", os.path.realpath(library), 0o755))
    for p in private:
        entries.append(("lib/" + p, os.path.realpath(os.path.join(pkglibdir, p)),
                        0o755))
    for m in modules:
        entries.append(("lib/credstack/modules/" + m,
                        os.path.realpath(os.path.join(moddir, m)), 0o755))

    if a.bundle == "yes":
        elves = ([binary, library] +
                 [os.path.join(pkglibdir, p) for p in private] +
                 [os.path.join(moddir, m) for m in modules])
        for name, path in sorted(ldd_deps(elves, libdir + ":" +
                                          pkglibdir).items()):
            if (name == "libcredstack.so.0" or name in private or
                    SYSTEM_LIBS.match(name)):
                continue
            entries.append(("lib/" + name, os.path.realpath(path), 0o755))

    # The ELF files, copied into the zip's layout and given $ORIGIN RUNPATHs.
    tree = tempfile.mkdtemp(prefix="mkplugin.")
    try:
        elves = []
        for i, (name, src, mode) in enumerate(entries):
            if isinstance(src, bytes) or not (
                    name.startswith("bin/") or name.startswith("lib/")):
                continue
            dest = os.path.join(tree, name)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(src, dest)
            os.chmod(dest, mode)
            path, force = runpath_for(name)
            set_runpath(a.patchelf, dest, path, force)
            entries[i] = (name, dest, mode)
            elves.append(name)
        check_self_contained(tree, elves)
        floor, why = glibc_floor([(n, os.path.join(tree, n)) for n in elves])
        write_zip(a, entries, floor, why)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def write_zip(a, entries, floor, why):
    with open(os.path.join(a.srcdir, "sps", "MANIFEST.in")) as f:
        manifest = f.read().replace("@VERSION@", a.version).replace(
            "@GLIBC_FLOOR@", floor or "any")
    entries.insert(0, ("MANIFEST", manifest.encode(), 0o644))
    if floor:
        entries.append(("GLIBC_FLOOR", (floor + "\n").encode(), 0o644))
    tmp = a.out + ".tmp"
    stamp = time.localtime(time.time())[:6]
    # Every directory as an entry of its own, mode 0755: unzip would make
    # missing ones with the unpacker's umask (0775 under umask 002), and
    # credstack refuses a module directory others can write to.
    dirs = sorted({"/".join(n.split("/")[:i]) + "/"
                   for n, _, _ in entries for i in range(1, n.count("/") + 1)})
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for d in dirs:
            info = zipfile.ZipInfo(d, date_time=stamp)
            info.external_attr = ((0o040000 | 0o755) << 16) | 0x10
            info.create_system = 3
            z.writestr(info, b"")
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
    if floor:
        sys.stdout.write("mkplugin: glibc floor: %s (GLIBC_%s needed by %s)\n" % (
            floor, floor, "; ".join("%s: %s" % (n, ", ".join(syms[:6]) +
                                                (", ..." if len(syms) > 6 else ""))
                                    for n, syms in why)))


if __name__ == "__main__":
    main()
