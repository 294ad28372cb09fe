# SPDX-License-Identifier: MIT
# credential_store.py: stand-in for the SDK's access to SPS's local credential stores
# (tests only).  As the SDK's own test double: a test fills credential_stores with
#   {"<store name>": {"<user>": {"<host>": [(credential,), ...]}}}
# where a credential is a password (str) or a key ({"type": "ssh-rsa", "key": PEM}).
# A store name that is not there raises LocalCredentialStoreNotFound.
from safeguard.sessions.plugin.credential_store_exceptions import \
    LocalCredentialStoreNotFound

credential_stores = {}


class FakeDatabase(object):
    def __init__(self, data):
        self.data = data

    def query_one(self, host, user):
        return list(self.data.get(user, {}).get(host, []))

    def query_all(self):
        return [(user, host, row[0]) for user, hosts in self.data.items()
                for host, rows in hosts.items() for row in rows]


def credential_store_parameters_factory(credential_store_name):
    if credential_store_name not in credential_stores:
        raise LocalCredentialStoreNotFound(credential_store_name)
    return FakeDatabase(credential_stores[credential_store_name])
