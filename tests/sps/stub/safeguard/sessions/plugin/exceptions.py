# SPDX-License-Identifier: MIT
# exceptions.py: stand-in for the SPS plugin SDK's exception base classes (tests only):
# a message followed by "; name='value', ..." details, as the SDK formats them.


class PluginSDKExceptionFormatter(Exception):
    def __init__(self, message, variables=None):
        self._message = message
        self._variables = [variables] if isinstance(variables, dict) else []
        Exception.__init__(self, message)

    def append_variables(self, variables):
        if isinstance(variables, dict):
            self._variables.append(variables)
        return self

    def __str__(self):
        details = ["%s='%s'" % (k, v) for d in self._variables for k, v in d.items()]
        return self._message + ("; " + ", ".join(details) if details else "")


class PluginSDKRuntimeError(PluginSDKExceptionFormatter, RuntimeError):
    pass


class PluginSDKValueError(PluginSDKExceptionFormatter, ValueError):
    pass
