# SPDX-License-Identifier: MIT
# plugin_configuration.py: stand-in for the SDK's PluginConfiguration (tests only),
# as the SDK documents it: ConfigParser underneath; get() and get_key() return the
# value, or, when it is "$", the first password / SSH key that the credential store
# named in [credential_store] name holds for host = section, user = option (None when
# it holds none; LocalCredentialStoreNotFound when SPS has no such store; a missing
# [credential_store] name raises RequiredConfigurationSettingNotFound); "$$" is a
# literal "$".  Every get()/get_key() call is recorded in CALLS (method, section,
# option), so that tests can see what a plugin asked for.
import re
from configparser import ConfigParser

from safeguard.sessions.plugin.credential_store import CredentialStore
from safeguard.sessions.plugin.exceptions import PluginSDKValueError
from safeguard.sessions.plugin.plugin_configuration_exceptions import \
    RequiredConfigurationSettingNotFound

CALLS = []
KEY_TYPES = {"RSA": "ssh-rsa", "DSA": "ssh-dss"}


class PluginConfiguration(object):
    def __init__(self, configuration, defaults=None):
        self.parser = ConfigParser()
        if defaults is not None:
            self.parser.read_string(defaults)
        self.parser.read_string(configuration)
        self._store = None

    def _credential_store(self):
        if self._store is None:
            self._check_required("credential_store", "name", True)
            self._store = CredentialStore.from_config(
                None, name=self.parser.get("credential_store", "name"))
        return self._store

    def _check_required(self, section, option, required):
        if required and not self.parser.has_option(section, option):
            raise RequiredConfigurationSettingNotFound(
                "Required configuration setting missing",
                {"option": option, "section": section})

    def get(self, section, option, default=None, required=False):
        CALLS.append(("get", section, option))
        self._check_required(section, option, required)
        value = self.parser.get(section, option, fallback=default)
        if value == "$":
            found = self._credential_store().get_passwords(section, option)
            return found[0] if found else None
        if value == "$$":
            return "$"
        return value

    def get_key(self, section, option, default=None, required=False):
        CALLS.append(("get_key", section, option))
        self._check_required(section, option, required)
        value = self.parser.get(section, option, fallback=default)
        if value is None:
            return None
        if value == "$":
            found = self._credential_store().get_keys(section, option)
            return found[0] if found else None
        m = re.search(r"-----BEGIN ([RD]SA) PRIVATE KEY-----[\s\S]*?"
                      r"-----END [RD]SA PRIVATE KEY-----", value)
        if not m:
            raise PluginSDKValueError("Invalid certificate or private key configured",
                                      {"section": section, "option": option})
        return {"type": KEY_TYPES[m.group(1)], "key": m.group(0)}

    def get_options(self, section):
        return self.parser.options(section) if self.parser.has_section(section) else []

    def getienum(self, section, option, value_set, default=None, required=False):
        value = self.get(section, option, default, required)
        if value == default:
            return value
        if value.lower() not in value_set:
            raise PluginSDKValueError("Configuration setting is not one of %s" % (value_set,),
                                      {"option": option, "section": section})
        return value.lower()

    def getboolean(self, section, option, default=None, required=False):
        value = self.getienum(section, option, ("yes", "no"), default, required)
        return value if value == default else value == "yes"

    def getint(self, section, option, default=None, required=False):
        value = self.get(section, option, default=default, required=required)
        if value == default:
            return value
        try:
            return int(value)
        except ValueError:
            raise PluginSDKValueError("Configuration setting is not an integer",
                                      {"option": option, "section": section})
