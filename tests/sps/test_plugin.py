#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# test_plugin.py: the SPS plugin (sps/main.py) and its zip (make sps-plugin).
#
# Every hook is driven through main.py's Plugin class, as SPS calls it (keyword
# arguments, a new Plugin per call, state only in the cookies), against the
# TPAM simulator behind a real sshd (tests/harness), with a stand-in for the
# SDK's PluginBase (tests/sps/stub).  The zip's layout and size are checked,
# and the zip is unpacked into a fresh directory and run from there by a
# Python with no credstack on PATH, no CREDSTACK_* variables and no SDK.
#
# Environment (set by `make check`, see sps/local.mk):
#   CREDSTACK_SPS_ZIP       the plugin zip (default: <builddir>/credstack-sps-*.zip)
#   CREDSTACK_TEST_BUILDDIR the build tree (default: the current directory)
#   TPAM_SIM                the tpam-sim binary
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.environ.get("CREDSTACK_TEST_BUILDDIR", os.getcwd())
STUB = os.path.join(HERE, "stub")

VENDOR_OPTIONS = ("server", "server_public_key", "server_port", "server_user",
                  "server_user_key", "system_name_resolver", "authorization",
                  "required_policy", "system_maptoreal", "system_prefix",
                  "reuse_gateway_password", "name", "log_level")
MODULES = ("auth-approval", "auth-gateway", "auth-policy", "checkout-tpam",
           "maptoreal", "prefix", "resolver-dns", "resolver-tpam",
           "reuse-gateway", "secret-source-localstore")
POLICY_PW = "p@ss word;#1"  # root on PSM_DB02 in tests/tpam-sim/fixture.default

WORK = None   # private temp dir of this run
TPAM = {}     # the harness's DIR/env
PLUGIN_DIR = None  # the zip unpacked
ZIP = None


def zip_path():
    path = os.environ.get("CREDSTACK_SPS_ZIP")
    if path:
        return path
    found = sorted(f for f in os.listdir(BUILDDIR)
                   if re.match(r"credstack-sps-.*\.zip$", f))
    if not found:
        raise unittest.SkipTest("no plugin zip: run make sps-plugin")
    return os.path.join(BUILDDIR, found[-1])


def unpack(zfile, dest):
    """Unpack as an administrator would: unzip(1), else zipfile with modes.

    With umask 022 whatever ours is: the zip holds no directory entries, so
    unzip makes lib/credstack/modules/ with the umask, and the loader refuses
    a module directory (or any directory above it) writable by group or
    others (a tree unpacked with umask 002 would fail every request).
    """
    old = os.umask(0o022)
    try:
        os.makedirs(dest)
        if shutil.which("unzip"):
            subprocess.run(["unzip", "-q", zfile, "-d", dest], check=True)
            return
        with zipfile.ZipFile(zfile) as z:
            for info in z.infolist():
                z.extract(info, dest)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(os.path.join(dest, info.filename), mode)
    finally:
        os.umask(old)


def setUpModule():
    global WORK, PLUGIN_DIR, ZIP
    ZIP = zip_path()
    WORK = tempfile.mkdtemp(prefix="credstack-sps-test.")
    os.chmod(WORK, 0o755)
    harness = os.path.join(WORK, "tpam")
    env = dict(os.environ)
    sim = os.path.join(BUILDDIR, "tests", "tpam-sim", "tpam-sim")
    if "TPAM_SIM" not in env and os.access(sim, os.X_OK):
        env["TPAM_SIM"] = sim
    start = subprocess.run(
        [os.path.join(SRCDIR, "tests", "harness", "tpam-sshd-start"), harness],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True)
    if start.returncode != 0:
        shutil.rmtree(WORK, ignore_errors=True)
        raise RuntimeError("tpam-sshd-start failed:\n" + start.stdout)
    dump = subprocess.run(
        ["bash", "-c", 'set -a; . "$1"; env -0', "_",
         os.path.join(harness, "env")],
        stdout=subprocess.PIPE, check=True).stdout.decode()
    for item in dump.split("\0"):
        name, _, value = item.partition("=")
        if name.startswith("TPAM_"):
            TPAM[name] = value
    PLUGIN_DIR = os.path.join(WORK, "plugin")
    unpack(ZIP, PLUGIN_DIR)


def tearDownModule():
    if WORK is None:
        return
    subprocess.run([os.path.join(SRCDIR, "tests", "harness", "tpam-sshd-stop"),
                    os.path.join(WORK, "tpam")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(WORK, ignore_errors=True)


def key_value(path):
    """A private key as a ConfigParser value: continuation lines indented."""
    with open(path) as f:
        lines = f.read().strip("\n").split("\n")
    return "\n    ".join(lines)


def config(extra_tpam="", extra="", key=True, log_level="warning"):
    text = ("[tpam]\n"
            "server = %s\n"
            "server_port = %s\n"
            "server_user = %s\n"
            "server_public_key = %s\n" %
            (TPAM["TPAM_HOST"], TPAM["TPAM_PORT"], TPAM["TPAM_USER"],
             TPAM["TPAM_HOSTKEY_HASHED"]))
    if key:
        text += "server_user_key = %s\n" % key_value(TPAM["TPAM_CLIENT_KEY"])
    text += extra_tpam
    text += "\n[logging]\nlog_level = %s\n" % log_level
    return text + extra


POLICY = ("system_prefix = PSM_\n"
          "authorization = policy\n"
          "required_policy = Privileged Access\n")


def load_main(name):
    """main.py of the unpacked zip as a fresh module, the SDK stand-in first."""
    if STUB not in sys.path:
        sys.path.insert(0, STUB)
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(PLUGIN_DIR, "main.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def commands():
    with open(TPAM["TPAM_COMMANDS_LOG"]) as f:
        return [line.split("\t", 1)[1].rstrip("\n") for line in f if "\t" in line]


class Captured(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self, logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


class HookTests(unittest.TestCase):
    """main.py against the simulator, with the SDK stand-in as base class."""

    @classmethod
    def setUpClass(cls):
        cls.main = load_main("credstack_sps_main")

    def setUp(self):
        open(TPAM["TPAM_COMMANDS_LOG"], "w").close()
        open(TPAM["TPAM_FAULTS"], "w").close()
        self.tmp = tempfile.mkdtemp(prefix="hook.", dir=WORK)
        # The per-call config directories go here, to see that they go away.
        self.old_tempdir = tempfile.tempdir
        tempfile.tempdir = self.tmp
        self.log = Captured()

    def tearDown(self):
        tempfile.tempdir = self.old_tempdir
        self.assertEqual(os.listdir(self.tmp), [],
                         "main.py left its private config directory behind")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def plugin(self, cfg):
        """A new Plugin per call, as SPS makes one process per hook."""
        p = self.main.Plugin(cfg)
        p.logger.addHandler(self.log)
        return p

    def args(self, **over):
        a = dict(session_id="svc/1:0/ssh", cookie={}, session_cookie={},
                 protocol="ssh", client_ip="192.0.2.7",
                 gateway_username="bob", gateway_password="gw-secret-pw",
                 target_username="root", target_host="10.20.30.40",
                 target_port=22, target_domain=None)
        a.update(over)
        return a

    def test_password_for_allowed_user(self):
        r = self.plugin(config(POLICY)).get_password_list(**self.args())
        self.assertEqual(r["passwords"], [POLICY_PW])
        self.assertEqual(r["cookie"], {"call_count": 1})
        self.assertEqual(r["session_cookie"], {})
        self.assertIn("Retrieve --AccountName root --SystemName PSM_DB02 "
                      "--ReasonText \"bob,SPS,policy,Privileged Access\"",
                      commands())
        logged = "\n".join(self.log.lines)
        self.assertNotIn(POLICY_PW, logged)
        self.assertNotIn("gw-secret-pw", logged)

    def test_empty_list_for_denied_user(self):
        r = self.plugin(config(POLICY)).get_password_list(
            **self.args(gateway_username="carol"))
        self.assertEqual(r["passwords"], [])
        self.assertEqual(r["cookie"], {"call_count": 1})
        self.assertFalse(any(c.startswith("Retrieve") for c in commands()))

    def test_call_count_across_hooks(self):
        cfg = config(POLICY)
        cookie, session_cookie = {"mine": "kept"}, {"sess": [1, 2]}
        seen = []
        for hook in ("get_private_key_list", "get_password_list",
                     "authentication_completed", "session_ended"):
            p = self.plugin(cfg)
            if hook in ("authentication_completed", "session_ended"):
                r = getattr(p, hook)(session_id="svc/1:0/ssh", cookie=cookie,
                                     session_cookie=session_cookie)
            else:
                r = getattr(p, hook)(**self.args(
                    cookie=cookie, session_cookie=session_cookie))
            cookie, session_cookie = r["cookie"], r["session_cookie"]
            seen.append(cookie["call_count"])
            self.assertEqual(cookie["mine"], "kept")
            self.assertEqual(session_cookie, {"sess": [1, 2]})
            if hook == "get_private_key_list":
                self.assertEqual(r["private_keys"], [])
            if hook == "get_password_list":
                self.assertEqual(r["passwords"], [POLICY_PW])
        self.assertEqual(seen, [1, 2, 3, 4])

    def test_server_generation_wins(self):
        # The newer arguments name the real target; the old ones are stale.
        a = self.args(target_username="nobody", target_host="192.0.2.99",
                      server_username="root", server_ip="10.20.30.40",
                      server_hostname=None, server_port=22,
                      server_domain=None)
        r = self.plugin(config(POLICY)).get_password_list(**a)
        self.assertEqual(r["passwords"], [POLICY_PW])

    def test_server_generation_only(self):
        a = self.args(server_username="root", server_ip="10.20.30.40",
                      server_port=22)
        del a["target_username"], a["target_host"], a["target_port"]
        r = self.plugin(config(POLICY)).get_password_list(**a)
        self.assertEqual(r["passwords"], [POLICY_PW])

    def test_target_generation_only(self):
        a = self.args()
        del a["target_domain"]
        r = self.plugin(config(POLICY)).get_password_list(**a)
        self.assertEqual(r["passwords"], [POLICY_PW])

    def test_positional_arguments(self):
        a = self.args()
        pos = [a[k] for k in ("session_id", "session_cookie", "cookie",
                              "protocol", "client_ip", "gateway_username",
                              "gateway_password", "target_username",
                              "target_host")]
        r = self.plugin(config(POLICY)).get_password_list(*pos)
        self.assertEqual(r["passwords"], [POLICY_PW])

    def test_unknown_arguments_ignored(self):
        a = self.args(gateway_groups=["admins"], client_hostname="ws7",
                      some_future_argument=object(), server_hostname=None,
                      target_port="22")
        r = self.plugin(config(POLICY)).get_password_list(**a)
        self.assertEqual(r["passwords"], [POLICY_PW])
        r = self.plugin(config(POLICY)).authentication_completed(
            session_id="x", cookie={"call_count": 7}, anything=1)
        self.assertEqual(r["cookie"]["call_count"], 8)

    def assert_fallback(self, r, count=1):
        self.assertEqual(r["passwords"], [])
        self.assertEqual(r["cookie"]["call_count"], count)

    def test_broken_config(self):
        # Unparsable: the SDK stand-in raises in its constructor, credstack
        # exits 2; the plugin answers an empty list and raises nothing.
        for cfg in ("[tpam\nserver = x\n", "", None, "[tpam]\nserver = h\n",
                    config(POLICY + "authorization = sometimes\n"),
                    config(key=False)):
            p = self.plugin(cfg)
            r = p.get_password_list(**self.args(cookie={"call_count": 4}))
            self.assert_fallback(r, 5)
        self.assertTrue(any("get_password_list" in l and "status" in l
                            for l in self.log.lines), self.log.lines)

    def test_broken_arguments(self):
        p = self.plugin(config(POLICY))
        r = p.get_password_list(session_id="s", cookie="not a dict")
        self.assert_fallback(r)
        r = p.get_password_list(**self.args(cookie=None,
                                            gateway_username=None))
        self.assert_fallback(r)

    def test_missing_binary(self):
        p = self.plugin(config(POLICY))
        p.plugin_dir = os.path.join(self.tmp, "nowhere")
        r = p.get_password_list(**self.args())
        self.assert_fallback(r)
        self.assertTrue(any("cannot run" in l for l in self.log.lines))

    def test_tpam_unreachable(self):
        cfg = config(POLICY).replace("server_port = %s" % TPAM["TPAM_PORT"],
                                     "server_port = 1")
        r = self.plugin(cfg).get_password_list(**self.args())
        self.assert_fallback(r)

    def test_child_killed_after_timeout(self):
        with open(TPAM["TPAM_FAULTS"], "w") as f:
            f.write("hang=1\n")
        p = self.plugin(config(POLICY, log_level="error"))
        p._timeout = lambda name: 2
        t0 = time.monotonic()
        r = p.get_password_list(**self.args())
        self.assertLess(time.monotonic() - t0, 15)
        self.assert_fallback(r)
        self.assertTrue(any("killed" in l for l in self.log.lines))

    def test_timeout_follows_config(self):
        p = self.plugin(config("connect_timeout = 3\ncommand_timeout = 7\n"))
        self.assertEqual(p._timeout("get_password_list"), 3 + 5 * 7 + 5)
        p = self.plugin(config())
        self.assertEqual(p._timeout("get_password_list"), 10 + 5 * 60 + 5)

    def test_stack_file_and_store_from_config(self):
        # The seed's configuration with the key in a credential store ($),
        # and the stack file shipped in the zip selected by [credstack] stack:
        # it maps oracle to root (maptoreal) and authorizes by approval.
        stores = os.path.join(self.tmp, "stores")
        env = dict(os.environ, CREDSTACK_STORE_DIR=stores,
                   LD_LIBRARY_PATH=os.path.join(PLUGIN_DIR, "lib"))
        cli = os.path.join(PLUGIN_DIR, "bin", "credstack")
        subprocess.run([cli, "store", "init", "--store", "sps"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        with open(TPAM["TPAM_CLIENT_KEY"], "rb") as key:
            subprocess.run([cli, "store", "set", "--store", "sps", "--type",
                            "private-key", "tpam", "server_user_key"],
                           env=env, stdin=key, check=True)
        cfg = config(key=False, extra_tpam="server_user_key = $\n",
                     extra="[credential_store]\nname = sps\n\n"
                           "[credstack]\nstack = stacks/default.stack\n")
        old = os.environ.get("CREDSTACK_STORE_DIR")
        os.environ["CREDSTACK_STORE_DIR"] = stores
        try:
            r = self.plugin(cfg).get_password_list(**self.args(
                gateway_username="alice", target_username="oracle"))
        finally:
            if old is None:
                del os.environ["CREDSTACK_STORE_DIR"]
            else:
                os.environ["CREDSTACK_STORE_DIR"] = old
            shutil.rmtree(stores, ignore_errors=True)
        self.assertEqual(r["passwords"], [POLICY_PW])
        self.assertIn("Retrieve --AccountName root --SystemName PSM_DB02 "
                      "--ReasonText alice,SPS,approval,1590", commands())
        self.assertIn("ListAccounts --AccountName oracle --SystemName PSM_DB02"
                      " --MaxRows 500",
                      commands())

    def test_sdk_base_is_used(self):
        stub = sys.modules["safeguard.sessions.plugin.plugin_base"]
        self.assertIs(self.main._Base, stub.PluginBase)
        self.assertIsInstance(self.plugin(config()), stub.PluginBase)


class ZipTests(unittest.TestCase):
    """The zip as SPS takes it, and as it runs on a machine without credstack."""

    def test_layout_and_size(self):
        self.assertLess(os.path.getsize(ZIP), 20 * 1024 * 1024)
        with zipfile.ZipFile(ZIP) as z:
            names = set(z.namelist())
            for n in ("MANIFEST", "main.py", "default.cfg", "bin/credstack",
                      "lib/libcredstack.so.0", "stacks/default.stack"):
                self.assertIn(n, names)
            for m in MODULES:
                self.assertIn("lib/credstack/modules/%s.so" % m, names)
            self.assertFalse([n for n in names if n.startswith("/") or
                              ".." in n.split("/")])
            self.assertFalse([n for n in names if n.endswith(".la")])
            mode = z.getinfo("bin/credstack").external_attr >> 16
            self.assertTrue(mode & 0o111, oct(mode))
            main = z.read("main.py").decode()
            manifest = z.read("MANIFEST").decode()
            cfg = z.read("default.cfg").decode()
        self.assertEqual(main.split("\n", 1)[0], "#!/usr/bin/env pluginwrapper3")
        with open(os.path.join(SRCDIR, "sps", "main.py")) as f:
            self.assertEqual(main, f.read())
        fields = dict(line.split(": ", 1) for line in manifest.splitlines()
                      if line.strip())
        self.assertEqual(fields["type"], "credentialstore")
        self.assertEqual(fields["entry_point"], "main.py")
        self.assertEqual(fields["name"], "credstack")
        self.assertRegex(fields["version"], r"^[0-9]+\.[0-9]+\.[0-9]+")
        self.assertEqual(fields["api"], "1.1")
        self.assertTrue(fields["description"])
        # default.cfg: the vendor's options, every one commented out.
        for opt in VENDOR_OPTIONS:
            self.assertRegex(cfg, r"(?m)^; %s ?=" % opt)
        self.assertFalse([l for l in cfg.splitlines()
                          if l and l[0] not in "#;[" and l.strip()])

    def test_unpacked_elsewhere_without_credstack(self):
        fresh = tempfile.mkdtemp(prefix="fresh.", dir=WORK)
        os.chmod(fresh, 0o755)
        plugin = os.path.join(fresh, "opt", "sps-plugins", "credstack")
        unpack(ZIP, plugin)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CREDSTACK_", "LD_", "PYTHON"))}
        env["PATH"] = "/usr/bin:/bin"
        env["HOME"] = fresh
        self.assertIsNone(shutil.which("credstack", path=env["PATH"]))
        # Without main.py's environment the binary cannot even start, unless
        # a credstack is installed system-wide (then this proves nothing).
        import ctypes.util
        if ctypes.util.find_library("credstack") is None:
            alone = subprocess.run([os.path.join(plugin, "bin", "credstack"),
                                    "--version"], env=env,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
            self.assertNotEqual(alone.returncode, 0)
        cfg = os.path.join(fresh, "config.txt")
        with open(cfg, "w") as f:
            f.write(config(POLICY, log_level="info"))
        script = (
            "import importlib.util, json, sys\n"
            "spec = importlib.util.spec_from_file_location('main', sys.argv[1])\n"
            "m = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(m)\n"
            "assert m._SdkBase is None, 'no SDK expected here'\n"
            "cfg = open(sys.argv[2]).read()\n"
            "out = []\n"
            "cookie = {}\n"
            "for gw in ('bob', 'carol'):\n"
            "    r = m.Plugin(cfg).get_password_list(session_id='s',\n"
            "        cookie=cookie, session_cookie={}, protocol='ssh',\n"
            "        client_ip='192.0.2.7', gateway_username=gw,\n"
            "        gateway_password='pw', server_username='root',\n"
            "        server_ip='10.20.30.40', server_port=22)\n"
            "    cookie = r['cookie']\n"
            "    out.append(r)\n"
            "print(json.dumps(out))\n")
        run = subprocess.run([sys.executable, "-I", "-c", script,
                              os.path.join(plugin, "main.py"), cfg],
                             env=env, cwd=fresh, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True,
                             timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        out = json.loads(run.stdout)
        self.assertEqual(out[0]["passwords"], [POLICY_PW], run.stderr)
        self.assertEqual(out[1]["passwords"], [])
        self.assertEqual(out[1]["cookie"], {"call_count": 2})
        self.assertIn("credstack-sps: INFO: get_password_list: 1 password",
                      run.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
