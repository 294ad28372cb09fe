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
#
# Long file: one short test per case of the file under test, over one fixture;
# the sections are marked by their "----" headings.
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

    With umask 022 whatever ours is, for dest itself (the plugin directory,
    which SPS makes): the loader refuses a module directory with any
    directory above it writable by group or others.  The zip's own
    directories are entries of mode 0755 (test_directories_are_0755_...).
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


def config(extra_tpam="", extra="", key=True, log_level="warning",
           agent=False):
    # The plugin turns the agent on unless the configuration says off: the
    # tests of the hooks themselves run without one (AgentTests with one).
    if not agent:
        extra = (extra.replace("[credstack]\n", "[credstack]\nagent = off\n")
                 if "[credstack]\n" in extra
                 else extra + "\n[credstack]\nagent = off\n")
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


def load_main(name, sdk=True, directory=None):
    """main.py of the unpacked zip (or of directory) as a fresh module, with
    the SDK stand-in importable, or (sdk=False) with no SDK at all, as on a
    host without SPS."""
    if STUB not in sys.path:
        sys.path.insert(0, STUB)
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(directory or PLUGIN_DIR, "main.py"))
    mod = importlib.util.module_from_spec(spec)
    if sdk:
        spec.loader.exec_module(mod)
        return mod
    saved = {k: v for k, v in sys.modules.items()
             if k == "safeguard" or k.startswith("safeguard.")}
    for k in saved:
        del sys.modules[k]
    sys.modules["safeguard"] = None  # import safeguard... raises ImportError
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules["safeguard"]
        sys.modules.update(saved)
    assert mod._SdkBase is None and mod._SdkConfiguration is None
    return mod


def sdk_module(name):
    """A module of the SDK stand-in (after load_main put it on sys.path)."""
    import importlib
    return importlib.import_module(name)


def python36():
    """[a Python 3.6 interpreter] (SPS's pluginwrapper3 is 3.6.7), or []."""
    import glob
    cands = [os.environ.get("PYTHON36", ""), shutil.which("python3.6") or ""]
    cands += sorted(glob.glob(os.path.expanduser(
        "~/.pyenv/versions/3.6*/bin/python3.6")))
    for c in cands:
        if not c or not os.access(c, os.X_OK):
            continue
        try:
            v = subprocess.run([c, "-c", "import sys; print(sys.version_info[:2])"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               universal_newlines=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        if v.strip() == "(3, 6)":
            return [c]
    return []


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
        # A configuration that asks for no agent (a broken one in
        # test_broken_config) still gets its stable directory: not a leak.
        shutil.rmtree(os.path.join(self.tmp, "credstack-sps-%d" % os.getuid()),
                      ignore_errors=True)
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
        # Without the SDK (not on SPS), `$` means credstack's own store.
        nosdk = load_main("credstack_sps_main_nosdk", sdk=False)
        try:
            p = nosdk.Plugin(cfg)
            p.logger.addHandler(self.log)
            r = p.get_password_list(**self.args(
                gateway_username="alice", target_username="oracle"))
        finally:
            if old is None:
                del os.environ["CREDSTACK_STORE_DIR"]
            else:
                os.environ["CREDSTACK_STORE_DIR"] = old
            shutil.rmtree(stores, ignore_errors=True)
            p.logger.removeHandler(self.log)
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


class AgentTests(unittest.TestCase):
    """On SPS the plugin uses the credstack agent unless told otherwise: the
    second hook reuses the warm TPAM session and the cached system."""

    @classmethod
    def setUpClass(cls):
        cls.main = load_main("credstack_sps_main")

    plugin = HookTests.plugin
    args = HookTests.args

    def setUp(self):
        HookTests.setUp(self)
        self.agentdir = os.path.join(self.tmp, "agentdir")
        self.old_env = os.environ.get("CREDSTACK_AGENT_DIR")
        os.environ["CREDSTACK_AGENT_DIR"] = self.agentdir

    def tearDown(self):
        # Stop the agent of each configuration this test made, then check
        # what the plugin leaves: its config directories (kept for the
        # agent) and the agent's private directory, nothing else.
        base = os.path.join(self.tmp, "credstack-sps-%d" % os.getuid())
        env = self.main.Plugin(config(POLICY, agent=True))._child_env(True)
        env["CREDSTACK_AGENT_DIR"] = self.agentdir
        for d in (os.listdir(base) if os.path.isdir(base) else []):
            conf = os.path.join(base, d, "credstack.conf")
            subprocess.run([os.path.join(PLUGIN_DIR, "bin", "credstack"),
                            "agent", "--config", conf, "--stop"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(os.path.join(base, d), ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(self.agentdir, ignore_errors=True)
        if self.old_env is None:
            os.environ.pop("CREDSTACK_AGENT_DIR", None)
        else:
            os.environ["CREDSTACK_AGENT_DIR"] = self.old_env
        HookTests.tearDown(self)

    def test_second_hook_uses_the_warm_agent(self):
        cfg = config(POLICY, agent=True)
        first = self.plugin(cfg).get_password_list(**self.args())
        self.assertEqual(first["passwords"], [POLICY_PW])
        with open(TPAM["TPAM_COMMANDS_LOG"]) as f:
            before = [line.split("\t", 1)[0] for line in f if "\t" in line]
        open(TPAM["TPAM_COMMANDS_LOG"], "w").close()
        second = self.plugin(cfg).get_password_list(**self.args())
        self.assertEqual(second["passwords"], [POLICY_PW])
        with open(TPAM["TPAM_COMMANDS_LOG"]) as f:
            lines = [line.rstrip("\n").split("\t", 1) for line in f
                     if "\t" in line]
        # The same SSH connection (sshd's per-connection pid); the
        # address's system from the cache only starts the policy check,
        # beside ListSystems asked again (either may be logged first), then
        # Retrieve on what ListSystems said.
        self.assertTrue(lines and all(l[0] in before for l in lines), lines)
        names = [l[1].split(" ", 1)[0] for l in lines]
        self.assertEqual(sorted(names[:2]) + names[2:],
                         ["ListAssignedPolicies", "ListSystems", "Retrieve"],
                         lines)
        self.assertTrue(os.path.isdir(self.agentdir))
        self.assertTrue([n for n in os.listdir(self.agentdir)
                         if n.endswith(".sock")])

    def test_agent_off_in_the_configuration(self):
        r = self.plugin(config(POLICY)).get_password_list(**self.args())
        self.assertEqual(r["passwords"], [POLICY_PW])
        self.assertFalse(os.path.isdir(self.agentdir))


class ZipTests(unittest.TestCase):
    """The zip as SPS takes it, and as it runs on a machine without credstack."""

    def test_directories_are_0755_whatever_the_umask(self):
        # The zip holds its directories as entries of mode 0755, so unzip
        # does not make them with the unpacker's umask (0775 under 002),
        # which the loader would refuse for the module directory.
        if not shutil.which("unzip"):
            self.skipTest("unzip not installed")
        dest = tempfile.mkdtemp(prefix="umask.", dir=WORK)
        os.chmod(dest, 0o755)
        old = os.umask(0o002)
        try:
            subprocess.run(["unzip", "-q", ZIP, "-d", dest], check=True)
        finally:
            os.umask(old)
        for d in ("bin", "lib", "lib/credstack", "lib/credstack/modules",
                  "stacks"):
            mode = os.stat(os.path.join(dest, d)).st_mode & 0o777
            self.assertEqual(mode, 0o755, "%s: %o" % (d, mode))

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
        # 1.2: main.py uses PluginConfiguration.get_key(), new in SDK 1.2.0.
        self.assertEqual(fields["api"], "1.2")
        self.assertTrue(fields["description"])
        # default.cfg: the vendor's options, every one commented out.
        for opt in VENDOR_OPTIONS:
            self.assertRegex(cfg, r"(?m)^; %s ?=" % opt)
        self.assertFalse([l for l in cfg.splitlines()
                          if l and l[0] not in "#;[" and l.strip()])

    def elves(self):
        with zipfile.ZipFile(ZIP) as z:
            return sorted(n for n in z.namelist()
                          if n == "bin/credstack" or (n.startswith("lib/") and
                                                      ".so" in n))

    def test_glibc_floor_recorded(self):
        # mkplugin.py reads the version-needed sections itself; objdump -T
        # is a second opinion on every ELF file of the zip.
        if not shutil.which("objdump"):
            self.skipTest("objdump (binutils) not installed")
        tmp = tempfile.mkdtemp(prefix="floor.", dir=WORK)
        unpack(ZIP, os.path.join(tmp, "p"))
        highest = None
        for name in self.elves():
            out = subprocess.run(["objdump", "-T", os.path.join(tmp, "p", name)],
                                 stdout=subprocess.PIPE, check=True,
                                 universal_newlines=True).stdout
            for v in re.findall(r"\bGLIBC_([0-9]+(?:\.[0-9]+)+)\b", out):
                key = tuple(int(n) for n in v.split("."))
                if highest is None or key > highest[0]:
                    highest = (key, v)
        self.assertIsNotNone(highest)
        with zipfile.ZipFile(ZIP) as z:
            floor = z.read("GLIBC_FLOOR").decode().strip()
            manifest = z.read("MANIFEST").decode()
        self.assertEqual(floor, highest[1])
        self.assertIn("needs glibc >= %s" % floor, manifest)

    def test_runpaths_are_origin_relative(self):
        if not shutil.which("readelf"):
            self.skipTest("readelf (binutils) not installed")
        tmp = tempfile.mkdtemp(prefix="rpath.", dir=WORK)
        unpack(ZIP, os.path.join(tmp, "p"))
        # The command's DT_RPATH also serves the modules, which are loaded
        # through /proc/self/fd and so carry no path of their own.
        for name in self.elves():
            out = subprocess.run(["readelf", "-d", os.path.join(tmp, "p", name)],
                                 stdout=subprocess.PIPE, check=True,
                                 universal_newlines=True).stdout
            paths = re.findall(r"\((RUNPATH|RPATH)\).*\[(.*)\]", out)
            if name == "bin/credstack":
                expect = [("RPATH", "$ORIGIN/../lib")]
            elif "/modules/" in name:
                expect = []
            else:
                expect = [("RUNPATH", "$ORIGIN")]
            self.assertEqual(paths, expect, name)

    def test_unpacked_elsewhere_without_credstack(self):
        self.run_unpacked(sys.executable)

    def test_unpacked_elsewhere_with_python36(self):
        # SPS runs plugins with its pluginwrapper3, Python 3.6.7.  Debian 12
        # packages no Python 3.6 (tests/skips.allowed); main.py's grammar is
        # checked against 3.6 everywhere (test_main_py_is_python_36_syntax).
        python = python36()
        if not python:
            self.skipTest("no Python 3.6 (set PYTHON36=/path/to/python3.6): "
                          "main.py not run by SPS's interpreter version")
        self.run_unpacked(python[0])

    def test_main_py_is_python_36_syntax(self):
        # What this Python can say about 3.6 without a 3.6: the grammar
        # (no walrus, no positional-only parameters, no f"{x=}").
        import ast
        with open(os.path.join(SRCDIR, "sps", "main.py")) as f:
            ast.parse(f.read(), "main.py", feature_version=(3, 6))

    def run_unpacked(self, python):
        fresh = tempfile.mkdtemp(prefix="fresh.", dir=WORK)
        os.chmod(fresh, 0o755)
        plugin = os.path.join(fresh, "opt", "sps-plugins", "credstack")
        unpack(ZIP, plugin)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CREDSTACK_", "LD_", "PYTHON"))}
        env["PATH"] = "/usr/bin:/bin"
        env["HOME"] = fresh
        # Whether or not a credstack is installed (/usr/bin from a package,
        # /usr/local from make install), the plugin runs its own binary by
        # its path and resolves everything inside the zip, as checked below.
        # The bare binary starts without LD_LIBRARY_PATH, and every library
        # of every ELF file in the zip resolves inside the zip (glibc aside),
        # whether or not a credstack is installed on this machine.
        alone = subprocess.run([os.path.join(plugin, "bin", "credstack"),
                                "--version"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(alone.returncode, 0, alone.stderr)
        system = re.compile(r"^(linux-vdso|ld-linux[^/]*|libc|libm|libdl|"
                            r"libpthread|librt|libresolv|libgcc_s)\.so")
        for name in self.elves():
            if "/modules/" in name:
                continue  # loaded below, the way credstack loads them
            out = subprocess.run(["ldd", os.path.join(plugin, name)], env=env,
                                 stdout=subprocess.PIPE, check=True,
                                 universal_newlines=True).stdout
            for lib, path in re.findall(r"^\s*(\S+) => (\S+)", out, re.M):
                if system.match(lib):
                    continue
                self.assertTrue(os.path.realpath(path).startswith(
                    os.path.realpath(plugin) + os.sep),
                    "%s: %s => %s" % (name, lib, path))
        cfg = os.path.join(fresh, "config.txt")
        with open(cfg, "w") as f:
            f.write(config(POLICY, log_level="info"))
        # Every module of the zip loads through the bare command (the zip's
        # tpam.stack names them all), its libraries found by the command's
        # DT_RPATH, still with no LD_LIBRARY_PATH.
        check_env = dict(env)
        check_env["CREDSTACK_MODULE_DIR"] = os.path.join(
            plugin, "lib", "credstack", "modules")
        check_env["CREDSTACK_STACK_DIR"] = os.path.join(plugin, "stacks")
        checked = subprocess.run(
            [os.path.join(plugin, "bin", "credstack"), "check", "--config",
             cfg], env=check_env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(checked.returncode, 0, checked.stderr)
        with zipfile.ZipFile(ZIP) as z:
            shipped = sorted(os.path.basename(n)[:-3] for n in z.namelist()
                             if "/modules/" in n and n.endswith(".so"))
        for module in shipped:
            self.assertIn(module, checked.stdout, checked.stdout)
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
        run = subprocess.run([python, "-I", "-c", script,
                              os.path.join(plugin, "main.py"), cfg],
                             env=env, cwd=fresh, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        out = json.loads(run.stdout)
        self.assertEqual(out[0]["passwords"], [POLICY_PW], run.stderr)
        self.assertEqual(out[1]["passwords"], [])
        self.assertEqual(out[1]["cookie"], {"call_count": 2})
        self.assertIn("credstack-sps: INFO: get_password_list: "
                      "1 password", run.stderr)


# A stand-in for bin/credstack in a fake plugin directory: records what main.py
# gives it (argv, environment, the files beside --config, stdin) as JSON lines
# in <plugin>/calls.jsonl and answers one password.  <plugin>/fake-mode
# "stderr:TEXT" makes --version fail with TEXT on stderr (exit 127), as the
# dynamic loader does when the binary cannot start.
FAKE_CREDSTACK = r"""#!%s
import json, os, sys
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    mode = open(os.path.join(top, "fake-mode")).read().strip()
except OSError:
    mode = ""
rec = {"argv": sys.argv[1:], "env": dict(os.environ)}
if sys.argv[1:] == ["--version"]:
    rec["kind"] = "version"
else:
    rec["kind"] = "hook"
    conf = sys.argv[sys.argv.index("--config") + 1]
    d = os.path.dirname(conf)
    rec["files"] = dict((n, open(os.path.join(d, n)).read())
                        for n in os.listdir(d)
                        if os.path.isfile(os.path.join(d, n)))
    rec["stdin"] = sys.stdin.read()
with open(os.path.join(top, "calls.jsonl"), "a") as f:
    f.write(json.dumps(rec) + "\n")
if rec["kind"] == "version":
    if mode.startswith("stderr:"):
        sys.stderr.write(mode[len("stderr:"):] + "\n")
        sys.exit(127)
    print("credstack 0.1.0 (fake)")
    sys.exit(0)
json.dump({"passwords": ["fake-pw"], "cookie": {"call_count": 1},
           "session_cookie": {}}, sys.stdout)
"""

FAKE_KEY = ("-----BEGIN RSA PRIVATE KEY-----\n"
            "MIIEfakeKEYMATERIALnotAkey0123456789\n"
            "-----END RSA PRIVATE KEY-----")
FAKE_HOSTKEY = "tpam.example.com ssh-ed25519 AAAAC3NzaFAKEHOSTKEYfromTheStore"
SDK_CONFIG = ("[tpam]\n"
              "server = tpam.example.com\n"
              "server_user = isacli\n"
              "server_public_key = $\n"
              "server_user_key = $\n"
              "system_prefix = $$\n"
              "\n%s\n"
              "[logging]\nlog_level = debug\n"
              "[credstack]\nagent = off\n")
STORE_LINE = "[credential_store]\nname = sps_local\n"


class FakeBinary(unittest.TestCase):
    """main.py from the zip, in a directory whose bin/credstack is a fake."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fake.", dir=WORK)
        shutil.copy(os.path.join(PLUGIN_DIR, "main.py"), self.dir)
        os.mkdir(os.path.join(self.dir, "bin"))
        fake = os.path.join(self.dir, "bin", "credstack")
        with open(fake, "w") as f:
            f.write(FAKE_CREDSTACK % sys.executable)
        os.chmod(fake, 0o755)
        self.main = load_main("credstack_sps_fake_%d" % id(self),
                              directory=self.dir)
        self.stores = sdk_module(
            "safeguard.sessions.plugin_impl.credential_store").credential_stores
        self.stores.clear()
        self.calls_made = sdk_module(
            "safeguard.sessions.plugin.plugin_configuration").CALLS
        del self.calls_made[:]
        self.log = Captured()

    def tearDown(self):
        self.stores.clear()

    def plugin(self, cfg, main=None):
        p = (main or self.main).Plugin(cfg)
        p.logger.addHandler(self.log)
        self.addCleanup(p.logger.removeHandler, self.log)
        return p

    def calls(self, kind=None):
        try:
            with open(os.path.join(self.dir, "calls.jsonl")) as f:
                recs = [json.loads(line) for line in f]
        except FileNotFoundError:
            return []
        return [r for r in recs if kind is None or r["kind"] == kind]

    def ask(self, cfg, main=None, **over):
        a = dict(session_id="s", cookie={}, session_cookie={}, protocol="ssh",
                 client_ip="192.0.2.7", gateway_username="bob",
                 gateway_password="gw-secret-pw", target_username="root",
                 target_host="10.20.30.40")
        a.update(over)
        return self.plugin(cfg, main).get_password_list(**a)

    def store_lines(self):
        return [l for l in self.log.lines if "credential store" in l]


class SdkStoreTests(FakeBinary):
    """On SPS, `$` options come from SPS's credential store through the SDK
    and reach credstack only inside the JSON request on stdin."""

    def fill_store(self, key=True, hostkey=True):
        store = {}
        if key:
            store["server_user_key"] = {"tpam": [
                ("a password is not a key",),
                ({"type": "ssh-rsa", "key": FAKE_KEY},)]}
        if hostkey:
            store["server_public_key"] = {"tpam": [(FAKE_HOSTKEY,)]}
        self.stores["sps_local"] = store

    def assert_sent(self, rec):
        req = json.loads(rec["stdin"])
        self.assertEqual(req["credstack_values"],
                         {"tpam": {"server_user_key": FAKE_KEY,
                                   "server_public_key": FAKE_HOSTKEY}})
        # Only there: not on the command line, in the environment, in the
        # configuration file or in the log.
        for secret in ("KEYMATERIAL", "FAKEHOSTKEY"):
            self.assertNotIn(secret, json.dumps(rec["argv"]))
            self.assertNotIn(secret, json.dumps(rec["env"]))
            self.assertNotIn(secret, json.dumps(rec["files"]))
            self.assertNotIn(secret, "\n".join(self.log.lines))
        self.assertIn("server_user_key = $", rec["files"]["credstack.conf"])
        # get_key() for the private key, get() for the other; $$ is literal.
        self.assertEqual(sorted(self.calls_made),
                         [("get", "tpam", "server_public_key"),
                          ("get_key", "tpam", "server_user_key")])

    def test_values_sent_on_stdin(self):
        self.fill_store()
        r = self.ask(SDK_CONFIG % STORE_LINE)
        self.assertEqual(r["passwords"], ["fake-pw"])
        hooks = self.calls("hook")
        self.assertEqual(len(hooks), 1)
        self.assert_sent(hooks[0])
        self.assertTrue(any("from SPS credential store 'sps_local': "
                            "tpam.server_public_key, tpam.server_user_key" in l
                            for l in self.log.lines), self.log.lines)

    def test_seed_generation_names_the_store(self):
        self.fill_store()
        r = self.ask(SDK_CONFIG % "[plugin]\ncred_store = sps_local\n")
        self.assertEqual(r["passwords"], ["fake-pw"])
        self.assert_sent(self.calls("hook")[0])

    def test_missing_store(self):
        r = self.ask(SDK_CONFIG % "[credential_store]\nname = nostore\n",
                     cookie={"call_count": 2})
        self.assertEqual(r["passwords"], [])
        self.assertEqual(r["cookie"], {"call_count": 3})
        self.assertEqual(self.calls("hook"), [])
        lines = self.store_lines()
        self.assertEqual(len(lines), 1, self.log.lines)
        self.assertIn("'nostore'", lines[0])
        self.assertIn("does not exist", lines[0])
        self.assertRegex(lines[0], r"tpam\.server_(public|user)_key")

    def test_missing_entry(self):
        self.fill_store(key=False)
        r = self.ask(SDK_CONFIG % STORE_LINE)
        self.assertEqual(r["passwords"], [])
        self.assertEqual(self.calls("hook"), [])
        lines = self.store_lines()
        self.assertEqual(len(lines), 1, self.log.lines)
        self.assertIn("'sps_local'", lines[0])
        self.assertIn("no private key for host 'tpam', user "
                      "'server_user_key'", lines[0])
        self.assertIn("tpam.server_user_key = $", lines[0])
        self.assertNotIn("a password is not a key", "\n".join(self.log.lines))

    def test_no_store_named(self):
        r = self.ask(SDK_CONFIG % "")
        self.assertEqual(r["passwords"], [])
        self.assertEqual(self.calls("hook"), [])
        lines = self.store_lines()
        self.assertEqual(len(lines), 1, self.log.lines)
        self.assertIn("tpam.server_public_key, tpam.server_user_key", lines[0])
        self.assertIn("[credential_store] name", lines[0])

    def test_nothing_asked_without_dollar(self):
        self.fill_store()
        cfg = (SDK_CONFIG % STORE_LINE).replace("= $\n", "= inline\n")
        r = self.ask(cfg)
        self.assertEqual(r["passwords"], ["fake-pw"])
        self.assertEqual(self.calls_made, [])
        self.assertNotIn("credstack_values",
                         json.loads(self.calls("hook")[0]["stdin"]))

    def test_notification_hooks_read_no_secret(self):
        self.fill_store()
        p = self.plugin(SDK_CONFIG % STORE_LINE)
        p.authentication_completed(session_id="s", cookie={})
        p.session_ended(session_id="s", cookie={})
        self.assertEqual(self.calls_made, [])
        for rec in self.calls("hook"):
            self.assertNotIn("credstack_values", json.loads(rec["stdin"]))

    def test_without_sdk_dollar_is_credstacks_store(self):
        # Not on SPS: nothing is asked or sent; credstack reads its own store.
        self.fill_store()
        nosdk = load_main("credstack_sps_fake_nosdk_%d" % id(self), sdk=False,
                          directory=self.dir)
        r = self.ask(SDK_CONFIG % STORE_LINE, main=nosdk)
        self.assertEqual(r["passwords"], ["fake-pw"])
        self.assertEqual(self.calls_made, [])
        self.assertNotIn("credstack_values",
                         json.loads(self.calls("hook")[0]["stdin"]))


class StartCheckTests(FakeBinary):
    """Before the first call main.py checks that bin/credstack starts, and
    says in one line when the appliance's glibc is too old for the zip."""

    def glibc_lines(self):
        return [l for l in self.log.lines if "glibc" in l]

    def test_loader_refuses_the_binary(self):
        with open(os.path.join(self.dir, "fake-mode"), "w") as f:
            f.write("stderr:%s/bin/credstack: /lib/x86_64-linux-gnu/libc.so.6: "
                    "version `GLIBC_2.99' not found (required by %s/bin/"
                    "credstack)" % (self.dir, self.dir))
        r = self.ask(config_text_minimal())
        self.assertEqual(r["passwords"], [])
        self.assertEqual(r["cookie"], {"call_count": 1})
        self.assertEqual(self.calls("hook"), [])
        lines = self.glibc_lines()
        self.assertEqual(len(lines), 1, self.log.lines)
        self.assertIn("this plugin needs glibc >= 2.99, this appliance has %s"
                      % self.main._libc_version(), lines[0])

    def test_floor_above_this_glibc(self):
        # GLIBC_FLOOR says more than this system has (the test hook stands
        # for an older appliance): one line, and the binary is never run.
        with open(os.path.join(self.dir, "GLIBC_FLOOR"), "w") as f:
            f.write("2.34\n")
        self.main._libc_version = lambda: "2.17"
        r = self.ask(config_text_minimal())
        self.assertEqual(r["passwords"], [])
        self.assertEqual(self.calls(), [])
        lines = self.glibc_lines()
        self.assertEqual(len(lines), 1, self.log.lines)
        self.assertIn("this plugin needs glibc >= 2.34, this appliance has "
                      "2.17", lines[0])

    def test_other_start_failure(self):
        with open(os.path.join(self.dir, "fake-mode"), "w") as f:
            f.write("stderr:bin/credstack: error while loading shared "
                    "libraries: libssh.so.4: cannot open shared object file")
        r = self.ask(config_text_minimal())
        self.assertEqual(r["passwords"], [])
        self.assertEqual(self.calls("hook"), [])
        self.assertEqual(len([l for l in self.log.lines
                              if "does not start" in l]), 1, self.log.lines)
        self.assertTrue(any("libssh.so.4" in l for l in self.log.lines))

    def test_checked_once_per_process(self):
        for _ in range(3):
            self.assertEqual(self.ask(config_text_minimal())["passwords"],
                             ["fake-pw"])
        self.assertEqual(len(self.calls("version")), 1)
        self.assertEqual(len(self.calls("hook")), 3)
        self.assertEqual(self.glibc_lines(), [])

    def test_real_zip_on_an_older_glibc(self):
        # The zip's own GLIBC_FLOOR, main.py told it runs on glibc 2.17.
        main = load_main("credstack_sps_old_glibc")
        main._libc_version = lambda: "2.17"
        with open(os.path.join(PLUGIN_DIR, "GLIBC_FLOOR")) as f:
            floor = f.read().strip()
        r = self.ask(config_text_minimal(), main=main)
        self.assertEqual(r["passwords"], [])
        lines = self.glibc_lines()
        self.assertEqual(len(lines), 1, self.log.lines)
        self.assertIn("this plugin needs glibc >= %s, this appliance has 2.17"
                      % floor, lines[0])


def config_text_minimal():
    return "[tpam]\nserver = tpam.example.com\n[credstack]\nagent = off\n"


def credstack_reads_values():
    """Whether this credstack takes "credstack_values" from the request."""
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(PLUGIN_DIR, "lib"))
    out = subprocess.run([os.path.join(PLUGIN_DIR, "bin", "credstack"), "hook",
                          "--help"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True)
    return "credstack_values" in out.stdout


class EndToEndSdkTests(unittest.TestCase):
    """The unpacked zip, the SDK stand-in holding the TPAM key in SPS's
    credential store, server_user_key = $: the password from the simulator."""

    def setUp(self):
        self.main = load_main("credstack_sps_e2e")
        self.stores = sdk_module(
            "safeguard.sessions.plugin_impl.credential_store").credential_stores
        self.stores.clear()
        self.addCleanup(self.stores.clear)
        open(TPAM["TPAM_COMMANDS_LOG"], "w").close()
        self.log = Captured()
        with open(TPAM["TPAM_CLIENT_KEY_RSA"]) as f:
            self.key = f.read().strip()
        self.cfg = config(POLICY + "server_user_key = $\n", key=False,
                          extra="[credential_store]\nname = sps_local\n")

    def ask(self):
        p = self.main.Plugin(self.cfg)
        p.logger.addHandler(self.log)
        self.addCleanup(p.logger.removeHandler, self.log)
        return p.get_password_list(
            session_id="s", cookie={}, session_cookie={}, protocol="ssh",
            client_ip="192.0.2.7", gateway_username="bob",
            gateway_password="gw-secret-pw", target_username="root",
            target_host="10.20.30.40")

    def test_missing_entry_says_store_and_option(self):
        self.stores["sps_local"] = {}
        r = self.ask()
        self.assertEqual(r["passwords"], [])
        lines = [l for l in self.log.lines if "credential store" in l]
        self.assertEqual(len(lines), 1, self.log.lines)
        self.assertIn("'sps_local'", lines[0])
        self.assertIn("tpam.server_user_key", lines[0])
        self.assertEqual(commands(), [])

    def test_password_with_key_from_sps_store(self):
        # The C side: `credstack hook` takes the values from the request's
        # "credstack_values" member before anything else runs.
        self.assertTrue(credstack_reads_values(),
                        "credstack hook --help does not mention "
                        "credstack_values")
        self.stores["sps_local"] = {"server_user_key": {"tpam": [
            ({"type": "ssh-rsa", "key": self.key},)]}}
        r = self.ask()
        self.assertEqual(r["passwords"], [POLICY_PW], self.log.lines)
        logged = "\n".join(self.log.lines)
        self.assertNotIn(POLICY_PW, logged)
        self.assertNotIn(self.key.splitlines()[1], logged)


if __name__ == "__main__":
    unittest.main(verbosity=2)
