"""What the report workers' fork server loads once, so that every worker it forks starts with it loaded.

This module is imported for its effect, and only there:
:data:`~partner_analytics.render.worker_start.WORKER_PRELOAD` names it as the fork server's preload
(``multiprocessing``'s ``forkserver`` start method, see
:func:`~partner_analytics.render.worker_start.worker_context`, which the pool's workers start from). It keeps jsonschema's IRI checker out
(:func:`~partner_analytics.render.worker_start.without_iri_checker`), then imports the report worker with the
Jupyter libraries, and jupytext, which reads the report templates. Loading them is most of a worker's
start (about 2 CPU seconds); forked from a server that loaded them, N workers pay it once instead of N times.
"""

from .worker_start import without_iri_checker

without_iri_checker()

import jupytext  # noqa: E402,F401  (reads the py:percent report templates)

from . import worker  # noqa: E402,F401
