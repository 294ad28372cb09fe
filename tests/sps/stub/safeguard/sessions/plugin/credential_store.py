# SPDX-License-Identifier: MIT
# credential_store.py: stand-in for the SDK's CredentialStore (tests only): from_config()
# names the store ([credential_store] name unless a name is given); get_passwords(),
# get_keys() and get_credentials() return lists for one host and user (empty when there
# is no entry); a store SPS does not have raises LocalCredentialStoreNotFound.
from safeguard.sessions.plugin.credential_store_exceptions import \
    LocalCredentialStoreNotFound  # noqa: F401 (re-exported, as the SDK does)
from safeguard.sessions.plugin_impl.credential_store import \
    credential_store_parameters_factory

KEY_TYPES = ("ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256")


class CredentialStore(object):
    def __init__(self, database):
        self._database = database

    @classmethod
    def from_config(cls, plugin_configuration, section="credential_store", name=None):
        store = name or plugin_configuration.get(section, "name", required=True)
        return cls(credential_store_parameters_factory(store))

    def get_all(self):
        return self._database.query_all()

    def get_credentials(self, host, user):
        return [row[0] for row in self._database.query_one(host, user)]

    def get_passwords(self, host, user):
        return [c for c in self.get_credentials(host, user) if isinstance(c, str)]

    def get_keys(self, host, user):
        return [c for c in self.get_credentials(host, user)
                if isinstance(c, dict) and c.get("type") in KEY_TYPES]
