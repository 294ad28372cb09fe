# SPDX-License-Identifier: MIT
# Stand-in for the SDK's implementation package (tests only; see credential_store.py).
