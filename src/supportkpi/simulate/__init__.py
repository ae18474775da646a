"""A synthetic support desk with injected scenarios and their ground truth.

``simulate(out_dir, days=..., seed=..., scenarios=[...])`` writes canonical Parquet
(tickets, events, contacts per day, agents) and ``truth.json``; see docs/simulator.md.
"""

from supportkpi.simulate.engine import SimulationResult, simulate
from supportkpi.simulate.scenarios import SCENARIOS

__all__ = ["SCENARIOS", "SimulationResult", "simulate"]
