"""Channel partner performance analytics.

Load a program (partners, deals, targets and optional engagement, surveys and
MDF tables), roll it up to tidy partner × period facts and compute documented
metrics from them::

    >>> import partner_analytics as pa
    >>> program = pa.load_program("sample")
    >>> facts = pa.rollup(program, freq="Q")
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import Problem, ProgramDataError
from .io import load_program
from .program import Program, build_program
from .rollup import Rollup, rollup

try:
    __version__ = version("partner-analytics")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "Problem",
    "Program",
    "ProgramDataError",
    "Rollup",
    "build_program",
    "load_program",
    "rollup",
    "__version__",
]
