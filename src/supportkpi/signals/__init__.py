"""Signals beyond the numbers: escalation spikes, volume drops, gaming patterns, quality
concerns, target ratchets, and workflow adherence (see docs/signals.md).

The names are loaded on first use: the configuration imports
:mod:`supportkpi.signals.settings` for its ``[signals]`` section, and the detectors import
the KPI engine, which reads the configuration.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supportkpi.signals.detect import DETECTORS, detect, signals_frame
    from supportkpi.signals.model import KINDS, Driver, Signal
    from supportkpi.signals.settings import SignalSettings
    from supportkpi.signals.workflow import STEPS, workflow_adherence, workflow_summary

__all__ = [
    "DETECTORS",
    "KINDS",
    "STEPS",
    "Driver",
    "Signal",
    "SignalSettings",
    "detect",
    "signals_frame",
    "workflow_adherence",
    "workflow_summary",
]

_HOME = {
    "DETECTORS": "detect",
    "detect": "detect",
    "signals_frame": "detect",
    "KINDS": "model",
    "Driver": "model",
    "Signal": "model",
    "SignalSettings": "settings",
    "STEPS": "workflow",
    "workflow_adherence": "workflow",
    "workflow_summary": "workflow",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"supportkpi.signals.{home}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Keeps ``supportkpi.signals.detect`` the function: importing the submodule of the
    same name would otherwise replace the package attribute with the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOME and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
