# SPDX-License-Identifier: MIT
# Stand-in for the SPS plugin SDK's package (tests only; see plugin/plugin_base.py and
# plugin/plugin_configuration.py).  Exports what the SDK's package exports and
# credstack's main.py or its tests use.
from safeguard.sessions.plugin.credential_store import CredentialStore  # noqa: F401
from safeguard.sessions.plugin.plugin_configuration import PluginConfiguration  # noqa: F401
