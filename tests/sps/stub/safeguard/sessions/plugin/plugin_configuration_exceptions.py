# SPDX-License-Identifier: MIT
# plugin_configuration_exceptions.py: stand-in for the SDK's exception for a missing
# required option (tests only).
from safeguard.sessions.plugin.exceptions import PluginSDKValueError


class RequiredConfigurationSettingNotFound(PluginSDKValueError):
    pass
