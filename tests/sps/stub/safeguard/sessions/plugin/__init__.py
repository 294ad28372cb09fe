# SPDX-License-Identifier: MIT
# Stand-in for the SPS plugin SDK's package (tests only; see plugin/plugin_base.py).
