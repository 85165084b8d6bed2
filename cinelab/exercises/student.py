"""One source, two versions: write the student release of the exercise notebooks.

The sources (``exercises/NN_topic.ipynb``) hold the solutions between nbgrader's markers, so
instructors who use nbgrader can take them as they are. The student release:

* replaces each code region ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` by a stub that
  keeps the notebook running: inside a function ``raise NotImplementedError(...)``, at top
  level ``name = None  # your answer here`` for every answer name the cell uses afterwards
  (so ``check`` reports "not yet");
* replaces markdown solution regions by "*Your answer here.*" and removes mark schemes
  (``=== BEGIN MARK SCHEME ===`` ... ``=== END MARK SCHEME ===``);
* removes cells tagged ``hidden-check`` and nbgrader hidden-test regions;
* clears outputs and execution counts, and drops nbgrader's cell metadata.

The result is deterministic, so a test can compare the committed release with a fresh one
byte for byte.
"""

from __future__ import annotations

import ast
import copy
import re
import sys
import textwrap
from pathlib import Path

import nbformat

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
BEGIN_MARK_SCHEME, END_MARK_SCHEME = "=== BEGIN MARK SCHEME ===", "=== END MARK SCHEME ==="
HIDDEN_TAG = "hidden-check"
TEXT_STUB = "*Your answer here.*"
_CHECK_CALL = re.compile(r"""check\(\s*["'](\d\d\.\d+)["']""")


class SourceProblem(ValueError):
    """A source notebook breaks the conventions; the message names the notebook and cell."""


def source_notebooks(source_dir: Path) -> list[Path]:
    return sorted(Path(source_dir).glob("[0-9][0-9]_*.ipynb"))


def student_notebook(source: nbformat.NotebookNode, name: str = "notebook"):
    """The student version of one source notebook (the source is left untouched)."""
    notebook = copy.deepcopy(source)
    cells = []
    for index, cell in enumerate(notebook.cells):
        try:
            converted = _student_cell(cell)
        except SourceProblem as problem:
            raise SourceProblem(f"{name}, cell {index}: {problem}") from None
        if converted is not None:
            cells.append(converted)
    notebook.cells = cells
    return notebook


def _student_cell(cell):
    if HIDDEN_TAG in cell.get("metadata", {}).get("tags", []):
        return None
    cell.metadata.pop("nbgrader", None)
    if cell.cell_type == "code":
        source = _remove_region(cell.source, BEGIN_HIDDEN, END_HIDDEN)
        cell.source = _stub_solutions(source)
        cell.outputs = []
        cell.execution_count = None
    elif cell.cell_type == "markdown":
        source = _remove_region(cell.source, BEGIN_MARK_SCHEME, END_MARK_SCHEME)
        cell.source = _replace_text_solutions(source).strip("\n")
        if not cell.source.strip():
            return None
    return cell


def _remove_region(source: str, begin: str, end: str) -> str:
    kept, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise SourceProblem(f"nested {begin!r}")
            inside = True
        elif end in line:
            if not inside:
                raise SourceProblem(f"{end!r} without {begin!r}")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise SourceProblem(f"{begin!r} without {end!r}")
    return "\n".join(kept)


def _solution_regions(lines: list[str]) -> list[tuple[int, int]]:
    """(begin, end) line indices of every solution region."""
    regions, begin = [], None
    for number, line in enumerate(lines):
        if line.strip() == BEGIN_SOLUTION:
            if begin is not None:
                raise SourceProblem("nested '### BEGIN SOLUTION'")
            begin = number
        elif line.strip() == END_SOLUTION:
            if begin is None:
                raise SourceProblem("'### END SOLUTION' without '### BEGIN SOLUTION'")
            regions.append((begin, number))
            begin = None
    if begin is not None:
        raise SourceProblem("'### BEGIN SOLUTION' without '### END SOLUTION'")
    return regions


def _stub_solutions(source: str) -> str:
    lines = source.split("\n")
    regions = _solution_regions(lines)
    if not regions:
        return source
    match = _CHECK_CALL.search(source)
    label = f"Exercise {match.group(1)}" if match else "Exercise"
    out, previous_end = [], -1
    for begin, end in regions:
        out.extend(lines[previous_end + 1 : begin])
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        after = "\n".join(lines[end + 1 :])
        out.extend(_stub(lines[begin + 1 : end], indent, label, after))
        previous_end = end
    out.extend(lines[previous_end + 1 :])
    return "\n".join(out)


def _stub(region: list[str], indent: str, label: str, code_after: str) -> list[str]:
    """What replaces one solution region."""
    if indent:
        return [f'{indent}raise NotImplementedError("{label}: your code here")']
    try:
        tree = ast.parse(textwrap.dedent("\n".join(region)))
    except SyntaxError as error:
        raise SourceProblem(f"the solution does not parse: {error}") from None
    if any(isinstance(node, ast.FunctionDef | ast.ClassDef) for node in tree.body):
        raise SourceProblem(
            "keep the `def` line outside the solution markers; put only the body inside them"
        )
    used_after = {n.id for n in ast.walk(_parse_lenient(code_after)) if isinstance(n, ast.Name)}
    answers = [name for name in _assigned_names(tree) if name in used_after]
    if not answers:
        raise SourceProblem(
            "a top-level solution must assign the answer that the rest of the cell checks"
        )
    return [f"{name} = None  # {label}: your answer here" for name in answers]


def _assigned_names(tree: ast.Module) -> list[str]:
    """Top-level assigned names, in order, without repeats."""
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and leaf.id not in names:
                    names.append(leaf.id)
    return names


def _parse_lenient(code: str) -> ast.AST:
    try:
        return ast.parse(code)
    except SyntaxError:
        return ast.parse("")


def _replace_text_solutions(source: str) -> str:
    lines = source.split("\n")
    out, previous_end = [], -1
    for begin, end in _solution_regions(lines):
        out.extend(lines[previous_end + 1 : begin])
        out.append(TEXT_STUB)
        previous_end = end
    out.extend(lines[previous_end + 1 :])
    return "\n".join(out)


# ---------------------------------------------------------------- whole folders


def render(source_path: Path) -> str:
    """The exact text of the student version of one source notebook."""
    source = nbformat.read(source_path, as_version=4)
    return nbformat.writes(student_notebook(source, source_path.name)) + "\n"


def write_student_versions(source_dir: Path, out_dir: Path) -> list[Path]:
    """Write the student version of every source notebook; remove releases without a source."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = source_notebooks(source_dir)
    written = []
    for path in sources:
        target = out_dir / path.name
        target.write_text(render(path), encoding="utf-8")
        written.append(target)
    for orphan in set(out_dir.glob("*.ipynb")) - set(written):
        orphan.unlink()
    return written


def stale_student_versions(source_dir: Path, out_dir: Path) -> list[str]:
    """Names of student versions that are missing, outdated, or have no source."""
    sources = {path.name: path for path in source_notebooks(source_dir)}
    released = {path.name for path in Path(out_dir).glob("*.ipynb")}
    stale = sorted(released - set(sources))
    for name, path in sorted(sources.items()):
        target = Path(out_dir) / name
        if not target.exists() or target.read_text(encoding="utf-8") != render(path):
            stale.append(name)
    return stale


def run(args) -> int:
    """``cinelab student-version``: write (or with ``--check``, verify) the student release."""
    source_dir = Path(args.source)
    out_dir = Path(args.out) if args.out else source_dir / "student"
    if not source_notebooks(source_dir):
        print(f"No source exercise notebooks (NN_topic.ipynb) in {source_dir}/.", file=sys.stderr)
        return 1
    try:
        if args.check:
            stale = stale_student_versions(source_dir, out_dir)
            if stale:
                print(
                    f"Out of date in {out_dir}/: {', '.join(stale)}. Run: cinelab student-version"
                )
                return 1
            print(f"The student versions in {out_dir}/ are up to date.")
            return 0
        written = write_student_versions(source_dir, out_dir)
    except SourceProblem as problem:
        print(f"Cannot write the student version: {problem}", file=sys.stderr)
        return 1
    print(f"Wrote {len(written)} student notebooks to {out_dir}/.")
    return 0
