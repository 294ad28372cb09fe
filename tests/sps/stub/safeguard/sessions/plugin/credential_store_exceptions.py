# SPDX-License-Identifier: MIT
# credential_store_exceptions.py: stand-in for the SDK's exception for a credential
# store that SPS does not have (tests only).
from safeguard.sessions.plugin.exceptions import PluginSDKRuntimeError


class LocalCredentialStoreNotFound(PluginSDKRuntimeError):
    def __init__(self, credstore_name):
        PluginSDKRuntimeError.__init__(self, "Local credential store cannot be found",
                                       {"name": credstore_name})
