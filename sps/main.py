#!/usr/bin/env pluginwrapper3
# SPDX-License-Identifier: MIT
# main.py: the credstack credential-store plugin for One Identity Safeguard for
# Privileged Sessions (SPS).  Each hook is handed to the credstack command that
# ships inside the plugin zip: `bin/credstack hook <hook> --config <file>`, one
# JSON object on stdin, one on stdout (doc/sps.md, design.md "Command line").
#
# Rules this file keeps:
#   - it never raises into SPS: any failure is logged (stderr, which SPS forwards
#     to its system log) and answered with an empty list and the next cookie;
#   - secrets (the gateway password, an inline key in the configuration) never
#     go on a command line: the password travels inside the JSON on stdin, the
#     configuration in a 0600 file in a private temporary directory that is
#     removed after the call (with the agent, kept while the agent may be
#     used: doc/sps.md, "The agent on SPS");
#   - it needs nothing installed system-wide: the binary, libcredstack, the
#     modules and the libraries they link are found relative to this file;
#   - on SPS, an option written as `$` comes from SPS's own credential store:
#     main.py asks the SDK for it (PluginConfiguration.get(), get_key() for
#     private keys) and hands the values to credstack inside the JSON on stdin
#     ("credstack_values"); without the SDK, `$` is left to credstack's store;
#   - before the first call it checks that bin/credstack starts at all (the
#     zip's glibc floor, GLIBC_FLOOR beside this file) and says so in one line.
# Written for Python 3.6 and later (SPS's pluginwrapper3), standard library only.
#
# Long file: SPS loads a plugin's main.py as its one entry point (sps-sdk.md),
# and the appliance has only the standard library: the plugin is one file.
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

try:  # The SPS plugin SDK when SPS provides it; a minimal base otherwise.
    from safeguard.sessions.plugin.plugin_base import PluginBase as _SdkBase
except Exception:  # pragma: no cover - depends on the machine
    _SdkBase = None
try:  # The SDK's configuration service: `$` -> SPS's credential store.
    from safeguard.sessions.plugin.plugin_configuration import \
        PluginConfiguration as _SdkConfiguration
except Exception:  # pragma: no cover - depends on the machine
    _SdkConfiguration = None

LOG_NAME = "credstack-sps"

# Hook name -> (credstack hook, list member of the reply or None).
HOOKS = {
    "get_password_list": ("get-password-list", "passwords"),
    "get_private_key_list": ("get-private-key-list", "private_keys"),
    "authentication_completed": ("authentication-completed", None),
    "session_ended": ("session-ended", None),
}

# Positional order of the vendor plugin's signatures, for a caller that does
# not use keyword arguments (SPS does).
POSITIONAL = {
    "get_password_list": (
        "session_id", "session_cookie", "cookie", "protocol", "client_ip",
        "gateway_username", "gateway_password", "target_username",
        "target_host"),
    "get_private_key_list": (
        "session_id", "session_cookie", "cookie", "protocol", "client_ip",
        "gateway_username", "gateway_password", "target_username",
        "target_host"),
    "authentication_completed": ("session_id", "cookie"),
    "session_ended": ("session_id", "cookie"),
}

# The keyword arguments credstack reads: both generations (server_* win over
# target_* in credstack).  Anything else is logged at debug level and dropped.
STRING_ARGS = (
    "session_id", "protocol", "client_ip", "client_hostname",
    "gateway_username", "gateway_password", "gateway_domain",
    "target_username", "target_host", "target_domain",
    "server_username", "server_ip", "server_hostname", "server_domain")
PORT_ARGS = ("client_port", "target_port", "server_port")
COOKIE_ARGS = ("cookie", "session_cookie")

# Seconds: the child's deadline is derived from the [tpam] timeouts.
DEFAULT_CONNECT_TIMEOUT = 10
DEFAULT_COMMAND_TIMEOUT = 60
# One run sends at most this many TPAM commands (resolve, map, authorize,
# checkout, and one spare).
MAX_COMMANDS = 5
MARGIN = 5
NOTIFY_TIMEOUT = 30
# [credstack] agent_idle's default: how long an unused agent lives.
AGENT_IDLE = 600
# `bin/credstack --version`, run once per process before the first hook.
START_TIMEOUT = 30

# The hooks that run the stack and so may need the `$` options' values; the
# notification hooks never read a secret.
SECRET_HOOKS = ("get_password_list",)
# Options holding a private key: read with the SDK's get_key(), which takes
# the store's SSH key entries; every other `$` option with get() (passwords).
KEY_OPTIONS = ("server_user_key",)

# Binary path -> None when it starts, else the line that says why not.
_STARTS = {}


def _stderr_logger():
    logger = logging.getLogger(LOG_NAME)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter(LOG_NAME + ": %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


class _LocalBase(object):
    """What this plugin needs of the SDK's PluginBase, when there is no SDK."""

    def __init__(self, configuration, defaults=None, logger=None):
        self.cookie = None
        self.session_cookie = None
        self.logger = logger or _stderr_logger()


_Base = _SdkBase if _SdkBase is not None else _LocalBase


def plugin_dir():
    """The directory main.py was unpacked to (bin/, lib/, stacks/ beside it)."""
    try:
        return os.path.dirname(os.path.abspath(__file__))
    except NameError:  # pragma: no cover - __file__ is always set by SPS
        return os.path.dirname(os.path.abspath(sys.argv[0]))


def _config_int(configuration, section, option, default):
    """An integer option read leniently: credstack itself reports bad values."""
    try:
        import configparser
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(configuration or "")
        value = parser.get(section, option, fallback=None)
        return int(value) if value is not None else default
    except Exception:
        return default


def _config_str(configuration, section, option):
    """A string option read leniently (None when absent or unreadable)."""
    try:
        import configparser
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(configuration or "")
        return parser.get(section, option, fallback=None)
    except Exception:
        return None


def _log_level(configuration):
    """[logging] log_level (or the seed's [plugin] log_level) for this file's own lines."""
    names = {"debug": logging.DEBUG, "info": logging.INFO,
             "warning": logging.WARNING, "error": logging.ERROR,
             "critical": logging.CRITICAL}
    try:
        import configparser
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(configuration or "")
        for section in ("logging", "plugin"):
            value = parser.get(section, "log_level", fallback=None)
            if value is None:
                continue
            value = value.strip().lower()
            if value in names:
                return names[value]
            if value.isdigit():
                return int(value)
    except Exception:
        pass
    return logging.INFO


def _libc_version():
    """This system's glibc version ("2.36"), or None when it is not glibc."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
        name, _, version = text.partition(" ")
        if name == "glibc" and version:
            return version.strip()
    except (AttributeError, ValueError, OSError):
        pass
    try:
        name, version = platform.libc_ver()
        if name == "glibc" and version:
            return version
    except Exception:
        pass
    return None


def _version_key(text):
    return tuple(int(n) for n in re.findall(r"[0-9]+", text or ""))


def _glibc_floor(directory):
    """The zip's glibc floor (GLIBC_FLOOR, written by mkplugin.py), or None."""
    try:
        with open(os.path.join(directory, "GLIBC_FLOOR")) as f:
            floor = f.read().strip()
    except (OSError, ValueError):
        return None
    return floor if re.match(r"^[0-9]+(\.[0-9]+)+$", floor) else None


def _store_refs(configuration):
    """(store name, where it is named, [(section, option)] written as `$`).

    `$` counts raw or after %(name)s interpolation, as credstack counts it;
    `$$` is a literal dollar.  The store is [credential_store] name, else the
    seed's [plugin] cred_store, as credstack and the seed read them."""
    import configparser
    parser = configparser.ConfigParser(strict=False)
    parser.read_string(configuration or "")
    refs = []
    for section in parser.sections():
        for option in parser.options(section):
            try:
                value = parser.get(section, option)
            except (configparser.Error, ValueError):
                value = parser.get(section, option, raw=True)
            if value == "$" and (section, option) not in (
                    ("credential_store", "name"), ("plugin", "cred_store")):
                refs.append((section, option))
    for section, option in (("credential_store", "name"),
                            ("plugin", "cred_store")):
        name = (parser.get(section, option, raw=True, fallback="") or
                "").strip()
        if name:
            return name, "[%s] %s" % (section, option), refs
    return None, None, refs


def _next_cookie(cookie, count):
    """A copy of a cookie; with count, its call_count increased (as the vendor's)."""
    out = dict(cookie) if isinstance(cookie, dict) else {}
    if count:
        n = out.get("call_count")
        out["call_count"] = (n if isinstance(n, int) and
                             not isinstance(n, bool) else 0) + 1
    return out


class Plugin(_Base):
    """The SPS credential-store plugin: every hook goes to `credstack hook`."""

    def __init__(self, configuration=None, defaults=None, logger=None,
                 **kwargs):
        self.configuration = configuration if isinstance(configuration, str) \
            else ""
        self.plugin_dir = plugin_dir()
        try:
            _Base.__init__(self, self.configuration, defaults=defaults,
                           logger=logger)
        except Exception as exc:
            # The SDK's own parsing may refuse the text; credstack will say why.
            sys.stderr.write("%s: error: plugin base: %s: %s\n" %
                             (LOG_NAME, exc.__class__.__name__, exc))
        if getattr(self, "logger", None) is None:
            self.logger = logger or _stderr_logger()
        try:
            if logger is None and self.logger.name == LOG_NAME:
                self.logger.setLevel(_log_level(self.configuration))
        except Exception:
            pass

    # ---- the four hooks SPS calls (keyword arguments) ----

    def get_password_list(self, *args, **kwargs):
        return self._safe_hook("get_password_list", args, kwargs)

    def get_private_key_list(self, *args, **kwargs):
        return self._safe_hook("get_private_key_list", args, kwargs)

    def authentication_completed(self, *args, **kwargs):
        return self._safe_hook("authentication_completed", args, kwargs)

    def session_ended(self, *args, **kwargs):
        return self._safe_hook("session_ended", args, kwargs)

    # ---- the machinery ----

    def _safe_hook(self, name, args, kwargs):
        """Run one hook; whatever happens, a reply and no exception."""
        try:
            kwargs = dict(kwargs)
            for key, value in zip(POSITIONAL[name], args):
                kwargs.setdefault(key, value)
            return self._hook(name, kwargs)
        except BaseException as exc:  # never into SPS (KeyboardInterrupt too)
            try:
                self._log("error", name, "failed: %s: %s" %
                          (exc.__class__.__name__, exc))
            except BaseException:
                pass
            return self._fallback(name, kwargs if isinstance(kwargs, dict)
                                  else {})

    def _log(self, level, hook, message):
        getattr(self.logger, level)("%s: %s", hook, message)

    def _fallback(self, name, kwargs):
        """The reply when credstack gave none: empty list, next cookie."""
        reply = {}
        member = HOOKS[name][1]
        if member is not None:
            reply[member] = []
        reply["cookie"] = _next_cookie(kwargs.get("cookie"), True)
        reply["session_cookie"] = _next_cookie(kwargs.get("session_cookie"),
                                               False)
        return reply

    def _request(self, name, kwargs):
        """The JSON request: the arguments credstack knows, with clean types."""
        req = {}
        for key in STRING_ARGS:
            value = kwargs.get(key)
            if value is None:
                continue
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            req[key] = value if isinstance(value, str) else str(value)
        for key in PORT_ARGS:
            value = kwargs.get(key)
            if value is None:
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                req[key] = value
            else:
                req[key] = str(value)
        for key in COOKIE_ARGS:
            value = kwargs.get(key)
            req[key] = dict(value) if isinstance(value, dict) else {}
        unknown = sorted(k for k in kwargs if k not in STRING_ARGS and
                         k not in PORT_ARGS and k not in COOKIE_ARGS)
        if unknown:
            self._log("debug", name, "ignored arguments: %s" %
                      ", ".join(unknown))
        return req

    def _timeout(self, name):
        if HOOKS[name][1] != "passwords":
            return NOTIFY_TIMEOUT
        connect = _config_int(self.configuration, "tpam", "connect_timeout",
                              DEFAULT_CONNECT_TIMEOUT)
        command = _config_int(self.configuration, "tpam", "command_timeout",
                              DEFAULT_COMMAND_TIMEOUT)
        connect = connect if connect > 0 else DEFAULT_CONNECT_TIMEOUT
        command = command if command > 0 else DEFAULT_COMMAND_TIMEOUT
        return connect + MAX_COMMANDS * command + MARGIN

    def _agent_wanted(self):
        """On SPS the credstack agent is on unless [credstack] agent says off:
        SPS starts a process per hook, and the agent keeps the TPAM session
        and the address lookups warm between them."""
        try:
            import configparser
            parser = configparser.ConfigParser(interpolation=None,
                                               strict=False)
            parser.read_string(self.configuration or "")
        except Exception:
            return False  # credstack reports what is wrong with it
        value = parser.get("credstack", "agent", fallback=None)
        return value is None or value.strip().lower() == "auto"

    def _stable_workdir(self):
        """A directory holding the configuration under a name that stays the
        same for the same text: the agent is keyed by the file (path and
        content) and watches it.  In a private directory of this user; None
        (and a per-call directory is used) when that cannot be had safely.
        Directories of other configurations, unused for longer than an idle
        agent lives, are removed (their agents then exit)."""
        base = os.path.join(tempfile.gettempdir(),
                            "credstack-sps-%d" % os.getuid())
        try:
            try:
                os.mkdir(base, 0o700)
            except FileExistsError:
                pass
            st = os.lstat(base)
            if (not os.path.isdir(base) or os.path.islink(base) or
                    st.st_uid != os.getuid() or st.st_mode & 0o077):
                self._log("warning", "agent", "%s is not a private directory "
                          "of this user: no agent" % base)
                return None
            digest = hashlib.sha256((self.plugin_dir + "\0" +
                                     (self.configuration or "")).encode(
                                         "utf-8", "replace")).hexdigest()[:32]
            workdir = os.path.join(base, "config-" + digest)
            if not os.path.isdir(workdir):
                tmp = tempfile.mkdtemp(prefix="new-", dir=base)
                self._write_config(tmp)
                try:
                    os.rename(tmp, workdir)
                except OSError:  # another hook made it meanwhile
                    self._remove_config(tmp)
            os.utime(workdir)
            idle = max(_config_int(self.configuration, "credstack",
                                   "agent_idle", AGENT_IDLE), 1)
            now = time.time()
            for entry in os.listdir(base):
                path = os.path.join(base, entry)
                if (entry.startswith("config-") and path != workdir and
                        now - os.lstat(path).st_mtime > idle + 60):
                    self._remove_config(path)
            return workdir
        except OSError as exc:
            self._log("warning", "agent", "no agent: %s" % exc)
            return None

    def _child_env(self, agent=False):
        """The environment of credstack: the zip's modules and libraries first."""
        env = dict(os.environ)
        if agent:
            env["CREDSTACK_AGENT"] = "auto"
        else:
            env.pop("CREDSTACK_AGENT", None)
        lib = os.path.join(self.plugin_dir, "lib")
        env["CREDSTACK_MODULE_DIR"] = os.path.join(lib, "credstack", "modules")
        # The stacks the modules ship: [tpam] selects stacks/tpam.stack.
        env["CREDSTACK_STACK_DIR"] = os.path.join(self.plugin_dir, "stacks")
        old = env.get("LD_LIBRARY_PATH")
        env["LD_LIBRARY_PATH"] = lib + (":" + old if old else "")
        return env

    def _binary(self):
        path = os.path.join(self.plugin_dir, "bin", "credstack")
        if not os.access(path, os.X_OK):
            # An unpacker that dropped the mode bits: try to restore them.
            try:
                os.chmod(path, 0o755)
            except OSError:
                pass
        return path

    def _write_config(self, workdir):
        """The configuration text, 0600, beside a link to the zip's stacks/."""
        path = os.path.join(workdir, "credstack.conf")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                     getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.configuration)
        stacks = os.path.join(self.plugin_dir, "stacks")
        if os.path.isdir(stacks):
            # [credstack] stack = stacks/NAME is relative to the configuration.
            try:
                os.symlink(stacks, os.path.join(workdir, "stacks"))
            except OSError as exc:
                self._log("warning", "config", "stacks/ not linked: %s" % exc)
        return path

    @staticmethod
    def _remove_config(workdir):
        path = os.path.join(workdir, "credstack.conf")
        try:  # Best effort: overwrite an inline key before unlinking.
            size = os.lstat(path).st_size
            fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                os.write(fd, b"\0" * size)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass
        shutil.rmtree(workdir, ignore_errors=True)

    def _starts(self, name, binary):
        """Whether bin/credstack starts here; if not, one line that says why."""
        if binary not in _STARTS:
            _STARTS[binary] = self._start_problem(binary)
        problem = _STARTS[binary]
        if problem is not None:
            self._log("error", name, problem)
        return problem is None

    def _start_problem(self, binary):
        have = _libc_version()
        floor = _glibc_floor(self.plugin_dir)
        if floor and have and _version_key(have) < _version_key(floor):
            return self._glibc_line(floor, have)
        try:
            proc = subprocess.Popen([binary, "--version"],
                                    stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE,
                                    env=self._child_env(), close_fds=True)
        except OSError as exc:
            return "cannot run %s: %s" % (binary, exc)
        try:
            _, err = proc.communicate(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return "%s --version did not answer within %d s: killed" % (
                binary, START_TIMEOUT)
        if proc.returncode == 0:
            return None
        text = (err or b"").decode("utf-8", "replace")
        needed = re.findall(r"version .GLIBC_([0-9]+(?:\.[0-9]+)+). not found",
                            text)
        if needed:
            return self._glibc_line(max(needed, key=_version_key), have)
        first = next((l.strip() for l in text.splitlines() if l.strip()),
                     "no message")
        return "%s does not start (exit status %d): %s" % (
            binary, proc.returncode, first[:300])

    @staticmethod
    def _glibc_line(floor, have):
        return ("this plugin needs glibc >= %s, this appliance has %s: "
                "bin/credstack cannot start; use a zip built on an older "
                "system (doc/sps.md, \"The glibc floor\")" %
                (floor, have if have else "no glibc"))

    def _sps_values(self, name):
        """The `$` options' values from SPS's credential store, via the SDK.

        Returns (values, ok): values is {section: {option: value}} or None
        when there is nothing to send (no SDK: `$` is then credstack's own
        store; or no option is `$`); ok is False when a value is missing, and
        then one line has said which store and which option."""
        if _SdkConfiguration is None:
            return None, True
        try:
            store, where, refs = _store_refs(self.configuration)
        except Exception:  # unparsable: credstack says where, with a line
            return None, True
        if not refs:
            return None, True
        listed = ", ".join("%s.%s" % r for r in refs)
        if store is None:
            self._log("error", name, "%s = $ should come from SPS's credential "
                      "store, but none is named: set [credential_store] name "
                      "(or the seed's [plugin] cred_store)" % listed)
            return None, False
        if "\n" in store:
            self._log("error", name, "%s is not one line: no credential "
                      "store to read %s from" % (where, listed))
            return None, False
        # A configuration of the store's name and the `$` options only, so
        # that both generations name the store the same way to the SDK.
        sections = {"credential_store": ["name = %s" % store.replace("%", "%%")]}
        for section, option in refs:
            sections.setdefault(section, []).append("%s = $" % option)
        text = "".join("[%s]\n%s\n" % (section, "\n".join(lines))
                       for section, lines in sections.items())
        values = {}
        try:
            config = _SdkConfiguration(text)
        except Exception as exc:
            self._log("error", name, "SDK configuration for %s: %s: %s" %
                      (listed, exc.__class__.__name__, exc))
            return None, False
        for section, option in refs:
            is_key = option in KEY_OPTIONS
            kind = "private key" if is_key else "password"
            try:
                value = (config.get_key(section, option) if is_key else
                         config.get(section, option))
            except Exception as exc:
                names = [c.__name__ for c in type(exc).__mro__]
                if "LocalCredentialStoreNotFound" in names:
                    self._log("error", name, "SPS credential store '%s' (%s) "
                              "does not exist: %s = $ cannot be read; "
                              "create it in Policies > Credential Stores or "
                              "fix the name" % (store, where, listed))
                else:
                    self._log("error", name, "SPS credential store '%s' (%s): "
                              "reading %s.%s failed: %s: %s" %
                              (store, where, section, option,
                               exc.__class__.__name__, exc))
                return None, False
            if isinstance(value, dict):  # get_key(): {"type": ..., "key": ...}
                value = value.get("key")
            if not isinstance(value, str) or not value:
                self._log("error", name, "SPS credential store '%s' (%s) has "
                          "no %s for host '%s', user '%s': %s.%s = $ cannot "
                          "be read; add it to the store" %
                          (store, where, kind, section, option, section,
                           option))
                return None, False
            values.setdefault(section, {})[option] = value
        self._log("info", name, "from SPS credential store '%s': %s "
                  "(handed to credstack on stdin)" % (store, listed))
        return values, True

    def _hook(self, name, kwargs):
        hook, member = HOOKS[name]
        binary = self._binary()
        if not self._starts(name, binary):
            return self._fallback(name, kwargs)
        values = None
        if name in SECRET_HOOKS:
            values, ok = self._sps_values(name)
            if not ok:
                return self._fallback(name, kwargs)
        request = self._request(name, kwargs)
        if values:
            request["credstack_values"] = values
        request = json.dumps(request, default=str)
        values = None
        stable = self._stable_workdir() if self._agent_wanted() else None
        workdir = stable or tempfile.mkdtemp(prefix="credstack-sps.")
        try:
            config = (os.path.join(workdir, "credstack.conf") if stable
                      else self._write_config(workdir))
            cmd = [binary, "hook", hook, "--config", config]
            timeout = self._timeout(name)
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE,
                                        env=self._child_env(bool(stable)),
                                        cwd=workdir,
                                        close_fds=True)
            except OSError as exc:
                self._log("error", name, "cannot run %s: %s" % (cmd[0], exc))
                return self._fallback(name, kwargs)
            try:
                out, err = proc.communicate(request.encode("utf-8"),
                                            timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                self._relay(name, err)
                self._log("error", name, "credstack did not answer within "
                          "%d s: killed" % timeout)
                return self._fallback(name, kwargs)
        finally:
            if not stable:
                self._remove_config(workdir)
        self._relay(name, err)
        if proc.returncode != 0:
            self._log("error", name, "credstack exited with status %d" %
                      proc.returncode)
            return self._fallback(name, kwargs)
        return self._reply(name, member, out, kwargs)

    def _relay(self, name, err):
        """credstack's own log lines (never secrets), tagged with the hook."""
        for line in (err or b"").decode("utf-8", "replace").splitlines():
            if not line.strip():
                continue
            head = line[:48].lower()
            level = "info"
            for word in ("critical", "error", "warning", "debug"):
                if word in head:
                    level = word
                    break
            self._log(level, name, line)

    def _reply(self, name, member, out, kwargs):
        try:
            reply = json.loads(out.decode("utf-8"))
        except ValueError as exc:
            self._log("error", name, "credstack's reply is not JSON: %s" % exc)
            return self._fallback(name, kwargs)
        if not isinstance(reply, dict):
            self._log("error", name, "credstack's reply is not an object")
            return self._fallback(name, kwargs)
        result = {}
        if member is not None:
            items = reply.get(member)
            if not isinstance(items, list) or not all(
                    isinstance(i, str) for i in items):
                self._log("error", name, "credstack's reply has no list of "
                          "strings '%s'" % member)
                return self._fallback(name, kwargs)
            result[member] = items
            self._log("info", name, "%d %s" % (
                len(items), member.replace("_", " ") if len(items) != 1
                else member.rstrip("s").replace("_", " ")))
        for key, count in (("cookie", True), ("session_cookie", False)):
            value = reply.get(key)
            result[key] = value if isinstance(value, dict) else \
                _next_cookie(kwargs.get(key), count)
        return result
