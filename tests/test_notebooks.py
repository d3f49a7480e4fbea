"""Every notebook runs top to bottom; a student lab stops at its first check, by design.

Notebooks run in a Jupyter kernel on this interpreter (the project's .venv) with their own
folder as the working directory, through nbclient. Consultant notebooks and lab solutions must
run without an error. A student lab, as shipped, must fail at its first cell tagged `check`
with the AssertionError that tells the student Exercise 1 is not done yet, and nowhere earlier.
A lab and its solution differ only in the cells tagged `exercise`.
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LABS = NOTEBOOKS / "labs"
SOLUTIONS = LABS / "solutions"
KERNEL = "absorb-tests"


def notebooks(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.glob(pattern) if ".ipynb_checkpoints" not in p.parts)


STUDENT_LABS = notebooks(LABS, "*.ipynb")
SOLVED_LABS = notebooks(SOLUTIONS, "*.ipynb")
CONSULTANTS = notebooks(NOTEBOOKS, "consultants/*.ipynb")
EVERY_NOTEBOOK = notebooks(NOTEBOOKS, "**/*.ipynb")


def name(path: Path) -> str:
    return str(path.relative_to(NOTEBOOKS))


@pytest.fixture(scope="session")
def kernel_dirs(tmp_path_factory) -> list[str]:
    """A kernel spec that starts this interpreter, whatever kernels the machine has installed."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / KERNEL
    spec.mkdir()
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "absorb (tests)", "language": "python"})
    )
    return [str(root)]


def execute(notebook: nbformat.NotebookNode, path: Path, kernel_dirs: list[str]) -> None:
    """Run every cell in order, in the notebook's folder; raises CellExecutionError on an error."""
    manager = KernelManager(
        kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=kernel_dirs)
    )
    client = NotebookClient(
        notebook, km=manager, timeout=600, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_the_notebooks_are_there():
    assert len(CONSULTANTS) >= 2
    assert len(STUDENT_LABS) >= 3
    assert [p.name for p in SOLVED_LABS] == [p.name for p in STUDENT_LABS]


@pytest.mark.parametrize("path", EVERY_NOTEBOOK, ids=name)
def test_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has stored outputs: clear them"
            assert cell.execution_count is None, f"cell {index} has an execution count"


@pytest.mark.parametrize("path", STUDENT_LABS, ids=name)
def test_lab_and_solution_differ_only_in_exercises(path):
    student = nbformat.read(path, as_version=4).cells
    solution = nbformat.read(SOLUTIONS / path.name, as_version=4).cells
    assert [(c.id, c.cell_type, tags(c)) for c in student] == [
        (c.id, c.cell_type, tags(c)) for c in solution
    ]
    exercises = [i for i, c in enumerate(student) if "exercise" in tags(c)]
    checks = [i for i, c in enumerate(student) if "check" in tags(c)]
    assert exercises and checks and exercises[0] < checks[0]
    for index, (mine, solved) in enumerate(zip(student, solution, strict=True)):
        if index in exercises:
            assert "..." in mine.source, f"exercise cell {index} has no `...` for the student"
            assert mine.source != solved.source, f"exercise cell {index} is not solved"
        else:
            assert mine.source == solved.source, f"cell {index} differs between lab and solution"
    for index in exercises:  # each exercise is checked before the next one starts
        following = [i for i in checks + exercises if i > index]
        assert following and min(following) in checks, f"exercise cell {index} has no check"
    for number, index in enumerate(checks, start=1):  # and says so when it is left undone
        assert f"Exercise {number} is not done yet" in student[index].source


@pytest.mark.parametrize("path", CONSULTANTS + SOLVED_LABS, ids=name)
def test_runs_top_to_bottom(path, kernel_dirs):
    notebook = nbformat.read(path, as_version=4)
    execute(notebook, path, kernel_dirs)
    for index, cell in enumerate(notebook.cells):
        if "check" in tags(cell):
            printed = "".join(o.text for o in cell.outputs if o.output_type == "stream")
            assert "passed" in printed, f"check cell {index} did not report that it passed"


@pytest.mark.parametrize("path", STUDENT_LABS, ids=name)
def test_student_lab_stops_at_its_first_check(path, kernel_dirs):
    notebook = nbformat.read(path, as_version=4)
    with pytest.raises(CellExecutionError) as failure:
        execute(notebook, path, kernel_dirs)
    assert failure.value.ename == "AssertionError"
    assert "Exercise 1 is not done yet" in failure.value.evalue
    failed = [
        index
        for index, cell in enumerate(notebook.cells)
        if any(output.output_type == "error" for output in cell.get("outputs", []))
    ]
    first_check = next(i for i, cell in enumerate(notebook.cells) if "check" in tags(cell))
    assert failed == [first_check]
