"""Signals beyond the numbers: escalation spikes, volume drops, gaming patterns, quality
concerns, target ratchets, and workflow adherence (see docs/signals.md)."""

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
