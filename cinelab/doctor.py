"""`cinelab doctor`: the first thing an instructor asks a student to run.

Each line is a check with OK, WARN or FAIL and, when something is wrong, what to do about it.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from cinelab import config

REQUIRED_PACKAGES = (
    "numpy", "pandas", "scipy", "matplotlib", "scikit-learn", "ipywidgets", "ipykernel",
    "jupyterlab", "voila", "torch", "transformers", "tokenizers", "safetensors",
    "platformdirs", "filelock", "tqdm",
)  # fmt: skip
MIN_PYTHON = (3, 11)

Check = tuple[str, str, str]  # (status, what, detail)


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_python() -> Iterator[Check]:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    need = ".".join(map(str, MIN_PYTHON))
    yield (
        "OK" if ok else "FAIL",
        "Python",
        f"{version} at {sys.executable}" + ("" if ok else f"; need {need}+"),
    )


def check_packages() -> Iterator[Check]:
    for package in REQUIRED_PACKAGES:
        version = _version(package)
        if version is None:
            yield (
                "FAIL",
                package,
                "not installed: run `make lab` or `pip install -e .` in the kit",
            )
        else:
            yield ("OK", package, version)


def check_widgets() -> Iterator[Check]:
    """Widgets render when the JupyterLab extension matching ipywidgets 8 is installed."""
    manager = Path(
        sys.prefix, "share", "jupyter", "labextensions", "@jupyter-widgets", "jupyterlab-manager"
    )
    lab_widgets = _version("jupyterlab_widgets")
    if lab_widgets is None or not manager.exists():
        yield (
            "FAIL",
            "widgets",
            "jupyterlab_widgets is missing: widgets will show as text. pip install jupyterlab_widgets",
        )
        return
    if not lab_widgets.startswith("3."):
        yield (
            "WARN",
            "widgets",
            f"jupyterlab_widgets {lab_widgets} does not match ipywidgets 8 (expects 3.x)",
        )
        return
    import ipywidgets

    ipywidgets.IntSlider(value=1)  # building a widget model must work outside a browser too
    yield (
        "OK",
        "widgets",
        f"ipywidgets {ipywidgets.__version__} with jupyterlab_widgets {lab_widgets}",
    )


def check_kernel() -> Iterator[Check]:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().get_all_specs()
    if "python3" not in specs:
        yield ("FAIL", "kernel", "no 'python3' kernel: run `python -m ipykernel install --user`")
        return
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    in_kernel = type(shell).__name__ == "ZMQInteractiveShell"
    where = "running inside a Jupyter kernel" if in_kernel else "run from a terminal"
    yield (
        "OK",
        "kernel",
        f"python3 available ({len(specs)} kernel(s) installed); {where}: {sys.executable}",
    )


def check_embedded_data() -> Iterator[Check]:
    from cinelab import data

    ds = data.load("cinelab")
    detail = f"{len(ds.ratings):,} ratings, {len(ds.items):,} films"
    yield ("OK", "embedded data", detail)


def check_cache() -> Iterator[Check]:
    from cinelab.data import RELEASES, cache_dir

    folder = cache_dir()
    if folder.exists() and not folder.is_dir():
        yield (
            "FAIL",
            "data cache",
            (
                f"{folder} is a file, not a folder: MovieLens downloads cannot be cached. "
                "Remove it, or set CINELAB_DATA_HOME to a folder."
            ),
        )
        return
    writable_part = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if writable_part is not None and not os.access(writable_part, os.W_OK):
        yield ("FAIL", "data cache", f"{writable_part} is not writable: set CINELAB_DATA_HOME.")
        return
    files = {r.filename: name for name, r in RELEASES.items()}
    present = (
        sorted(files[p.name] for p in folder.glob("*.zip") if p.name in files)
        if folder.exists()
        else []
    )
    listing = ", ".join(present) if present else "no MovieLens release downloaded yet"
    yield ("OK", "data cache", f"{folder} ({listing})")


def check_offline() -> Iterator[Check]:
    try:
        offline = config.hf_offline()
    except ValueError as error:  # a value such as "maybe": say which words work
        yield ("FAIL", "offline mode", str(error))
        return
    yield (
        "OK",
        "offline mode",
        "HF_HUB_OFFLINE is on: no model downloads will be attempted"
        if offline
        else "HF_HUB_OFFLINE is off: the kit still needs no network for its own model",
    )


def check_cpu() -> Iterator[Check]:
    """What training costs here: cores, and whether `cinelab train-lm` can use bfloat16."""
    from cinelab.textgen.training import fast_bfloat16

    precision = (
        "bfloat16 in hardware: `cinelab train-lm` uses it"
        if fast_bfloat16()
        else "no bfloat16 hardware: `cinelab train-lm` trains in float32 (bfloat16 would be"
        " emulated, about 30x slower)"
    )
    yield ("OK", "CPU", f"{os.cpu_count()} cores; {precision}")


CHECKS: tuple[Callable[[], Iterator[Check]], ...] = (
    check_python, check_packages, check_widgets, check_kernel, check_embedded_data,
    check_cache, check_offline, check_cpu,
)  # fmt: skip


def run_checks() -> list[Check]:
    """Run every check; a check that crashes becomes a FAIL line instead of a traceback."""
    results: list[Check] = []
    for check in CHECKS:
        try:
            results.extend(check())
        except Exception as error:  # noqa: BLE001 -- the doctor must report, never crash
            name = check.__name__.removeprefix("check_").replace("_", " ")
            results.append(("FAIL", name, f"{type(error).__name__}: {error}"))
    return results


def main() -> int:
    results = run_checks()
    width = max(len(what) for _, what, _ in results)
    for status, what, detail in results:
        print(f"[{status:>4}] {what:<{width}}  {detail}")
    failed = sum(status == "FAIL" for status, _, _ in results)
    print(
        "\nAll good: open the notebooks with `make lab`."
        if not failed
        else f"\n{failed} problem(s) above."
    )
    return 1 if failed else 0
