"""A process target that reports which Jupyter libraries a new worker process had loaded before it ran.

It sits in a module of its own that imports nothing else: a target defined in a test module would load that
test module, and everything the test module imports, before it could look.
"""

import sys

LIBRARIES = ("jupytext", "nbconvert", "papermill")


def loaded_libraries(queue) -> None:
    """Put the names in :data:`LIBRARIES` already imported in this process on ``queue``."""
    queue.put(sorted(name for name in LIBRARIES if name in sys.modules))
