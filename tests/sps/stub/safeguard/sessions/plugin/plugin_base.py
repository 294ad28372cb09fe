# SPDX-License-Identifier: MIT
# plugin_base.py: a stand-in, written for credstack's tests, for the SPS plugin
# SDK's PluginBase (safeguard.sessions.plugin.plugin_base).  The real SDK is not
# available here.  What it mimics: the constructor signature
# (configuration, defaults=None, logger=None), parsing the configuration text
# into self.plugin_configuration, a PluginConfiguration (an unparsable text
# raises, as the SDK's does), a logger on self.logger writing to stderr, and the
# cookie attributes.
import logging
import sys

from safeguard.sessions.plugin.plugin_configuration import PluginConfiguration

INSTANCES = []


class PluginBase(object):
    def __init__(self, configuration, defaults=None, logger=None):
        self.cookie = None
        self.connection = None
        self.session_cookie = None
        self.logger = logger or self._logger()
        INSTANCES.append(self)
        self.plugin_configuration = PluginConfiguration(configuration, defaults=defaults)

    @staticmethod
    def _logger():
        logger = logging.getLogger("sdk-standin")
        if not logger.handlers:
            h = logging.StreamHandler(sys.stderr)
            h.setFormatter(logging.Formatter("sdk-standin: %(levelname)s: %(message)s"))
            logger.addHandler(h)
            logger.setLevel(logging.DEBUG)
        return logger
