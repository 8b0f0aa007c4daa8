"""`smenet node seed`: realistic demo data for a window, with months of history.

node.seed.window writes the catalogue and the enterprises, node.seed.history what happened
since; node.seed.data and node.seed.history_data hold the material they draw from.
"""

from node.seed.timeline import HistoryError
from node.seed.window import DEMO_PASSWORD, DEMO_USERS, SeedSummary, seed

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "HistoryError", "SeedSummary", "seed"]
