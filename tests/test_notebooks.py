"""The exploration notebooks in ``notebooks/``: reviewable, thin, parameterised, and they run on the sample.

Notebooks are committed as jupytext ``py:percent`` scripts only. The fast tests read them as text; the
``slow`` ones execute each with papermill in a fresh kernel (about 4 s each, some 35 s for the file) and fail on
any error, including errors raised inside a widget callback, which ipywidgets catches and shows inside the widget
instead of failing the cell.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat
import papermill
import pytest
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.py"))

MAX_CELL_LINES = 15
"""Thinness guard: at most this many code lines (blank and comment-only lines not counted) per code cell.

Fifteen lines fit a load cell, a grid of plots, or a widget display function with its ``interact`` call;
anything longer is computing, and belongs in a package function (``partner_analytics.explore`` for notebook
helpers, the metric modules for metrics).
"""

COMMON_PARAMETERS = {"source", "period", "freq", "as_of"}
"""Parameters every notebook accepts, so they can be run headless in the same way."""

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _name(path: Path) -> str:
    return path.stem


def _read(path: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(path)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    return notebook


def _code_lines(cell: nbformat.NotebookNode) -> list[str]:
    return [line for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]


def _body(text: str) -> str:
    """The text after the jupytext YAML header (which holds version numbers that change with jupytext)."""
    return text.split("# ---\n", 2)[2] if text.startswith("# ---\n") else text


def _problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Error outputs of the cells and of the widgets' output areas (where interact callbacks print)."""
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in state.get("state", {}).values():
        outputs += model.get("state", {}).get("outputs", []) or []
    return [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]


def _widget_outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return [o for m in state.get("state", {}).values() for o in (m.get("state", {}).get("outputs") or [])]


def _non_blank(png_base64: str) -> bool:
    """True when a PNG has dark pixels (axes, text, bars): a pure-white image is a chart that was never drawn."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("L"))
    return int((pixels < 128).sum()) > 500


def _execute(notebook: nbformat.NotebookNode, tmp_path: Path, monkeypatch, **parameters) -> nbformat.NotebookNode:
    """Run ``notebook`` in a fresh kernel in ``tmp_path``; return it executed (papermill raises on a cell error)."""
    monkeypatch.delenv("MPLBACKEND", raising=False)  # let the kernel use its inline backend, as in JupyterLab
    monkeypatch.chdir(tmp_path)
    # IPC sockets, as the renderer uses: no TCP ports to race for with other kernels running on the machine
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))
    kernel.start_kernel(cwd=str(tmp_path))
    try:
        return papermill.execute_notebook(
            notebook, None, parameters=parameters, kernel_name="python3", progress_bar=False, km=kernel,
            cwd=str(tmp_path), execution_timeout=120,
        )
    finally:
        kernel.shutdown_kernel(now=True)


# --- fast checks -------------------------------------------------------------------------------------------------

def test_there_are_five_notebooks_numbered_by_purpose():
    assert [p.name for p in NOTEBOOKS] == [
        "01_revenue_concentration.py",
        "02_partner_cohorts.py",
        "03_satisfaction_correlations.py",
        "04_deals_and_engagement.py",
        "05_scorecards_and_tiers.py",
        "06_early_warning.py",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_is_a_jupytext_percent_script_that_opens_as_a_python3_notebook(path):
    text = path.read_text(encoding="utf-8")
    header = text.split("# ---\n")[1]
    assert "format_name: percent" in header
    assert "name: python3" in header
    # already in the form jupytext writes back, so opening and saving it in JupyterLab gives no diff
    assert _body(jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent")) == _body(text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_saving_an_unedited_notebook_from_jupyterlab_rewrites_nothing(path, tmp_path):
    """Open and save through jupytext's contents manager, as JupyterLab does, with the repo's jupytext.toml."""
    from jupytext import build_sync_jupytext_contents_manager_class
    from jupyter_server.services.contents.largefilemanager import LargeFileManager

    (tmp_path / "jupytext.toml").write_bytes((ROOT / "jupytext.toml").read_bytes())
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    manager = build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    model = manager.get(path.name, type="notebook")
    notebook = model["content"]
    # what JupyterLab adds on open / run: its kernel's display name, language info, execution metadata
    notebook.metadata["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
            cell.metadata["trusted"] = True
    manager.save({"type": "notebook", "format": "json", "content": notebook}, path.name)
    assert copy.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_starts_with_a_parameters_cell(path):
    cells = _read(path).cells
    assert cells[0].cell_type == "code"
    assert cells[0].metadata.get("tags") == ["parameters"]
    assert [c for c in cells[1:] if "parameters" in c.metadata.get("tags", [])] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_parameters_are_typed_and_documented_for_papermill_help(path, tmp_path):
    ipynb = tmp_path / f"{path.stem}.ipynb"
    nbformat.write(_read(path), ipynb)
    parameters = papermill.inspect_notebook(str(ipynb))  # what `papermill --help-notebook` prints
    assert COMMON_PARAMETERS <= set(parameters)
    assert parameters["source"]["default"] == '"sample"'
    assert len(parameters) == len(_code_lines(_read(path).cells[0])), "a parameter line papermill cannot parse"
    for name, parameter in parameters.items():
        assert parameter["inferred_type_name"] in ("str", "int", "float", "bool"), name
        assert parameter["help"].strip(), f"parameter {name!r} has no '# comment' explaining it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_code_cells_are_thin(path):
    for index, cell in enumerate(_read(path).cells):
        if cell.cell_type == "code":
            lines = _code_lines(cell)
            assert len(lines) <= MAX_CELL_LINES, f"cell {index} has {len(lines)} code lines:\n" + "\n".join(lines)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_computes_with_package_functions_only(path):
    source = path.read_text(encoding="utf-8")
    imports = re.findall(r"^(?:from|import) ([\w.]+)", source, flags=re.MULTILINE)
    allowed = ("partner_analytics", "ipywidgets", "matplotlib", "pandas", "IPython", "itertools")
    assert "import matplotlib.pyplot" not in source, "draw on explore.figure(): pyplot in a widget callback draws blank"
    assert [m for m in imports if not m.startswith(allowed)] == []
    assert "groupby(" not in source and "merge(" not in source and ".apply(" not in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_every_section_has_markdown_explaining_it(path):
    cells = _read(path).cells
    headings = [c for c in cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert len(headings) >= 3
    assert all(len(c.source.splitlines()) >= 3 for c in headings), "a section heading without an explanation"


def test_no_notebook_with_outputs_is_kept_under_notebooks():
    for ipynb in NOTEBOOK_DIR.rglob("*.ipynb"):
        if ".ipynb_checkpoints" in ipynb.parts:
            continue
        notebook = json.loads(ipynb.read_text(encoding="utf-8"))
        dirty = [c for c in notebook.get("cells", []) if c.get("outputs") or c.get("execution_count")]
        assert not dirty, f"{ipynb.relative_to(ROOT)} holds outputs: commit the jupytext .py only"


# --- end to end --------------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_runs_top_to_bottom_on_the_sample(path, tmp_path, monkeypatch):
    executed = _execute(_read(path), tmp_path, monkeypatch, source="sample")
    assert _problems(executed) == []
    outputs = [o for c in executed.cells for o in c.get("outputs", [])] + _widget_outputs(executed)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "no chart was drawn"
    assert all(_non_blank(o["data"]["image/png"]) for o in images), "a chart is blank"
    assert _widget_outputs(executed), "the filter panel's sections drew nothing"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("notebook", "parameters"),
    [
        ("02_partner_cohorts", {"freq": "M", "period": "2024-12", "cohort_by": "quarter"}),
        ("04_deals_and_engagement", {"freq": "M", "periods": 6}),
    ],
)
def test_notebook_runs_with_other_parameters(notebook, parameters, tmp_path, monkeypatch):
    executed = _execute(_read(NOTEBOOK_DIR / f"{notebook}.py"), tmp_path, monkeypatch, **parameters)
    assert _problems(executed) == []


@pytest.mark.slow
def test_an_error_inside_a_widget_callback_is_caught_by_these_tests(tmp_path, monkeypatch):
    notebook = jupytext.reads(
        '# %% tags=["parameters"]\nx: int = 1  # a number\n\n'
        "# %%\nimport ipywidgets as widgets\n\n\ndef show(x):\n    raise RuntimeError(f'broken {x}')\n\n\n"
        "widgets.interact(show, x=widgets.Dropdown(options=[1, 2]));\n",
        fmt="py:percent",
    )
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    executed = _execute(notebook, tmp_path, monkeypatch)  # the cell itself succeeds...
    assert _problems(executed) == ["RuntimeError: broken 1"]  # ...but the widget shows the traceback


@pytest.fixture(scope="module")
def program_without_optional_tables(tmp_path_factory) -> Path:
    """A small program with only partners, deals and targets (no engagement, surveys or MDF)."""
    from partner_analytics.sample import write_sample

    folder = tmp_path_factory.mktemp("core_only")
    write_sample(folder, n_partners=40)
    for name in ("engagement", "surveys", "mdf"):
        (folder / f"{name}.csv").unlink()
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_runs_on_a_program_without_optional_tables(path, tmp_path, monkeypatch,
                                                             program_without_optional_tables):
    executed = _execute(_read(path), tmp_path, monkeypatch, source=str(program_without_optional_tables))
    assert _problems(executed) == []
