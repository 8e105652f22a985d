"""The docs pages' examples run as written and print what the pages show; every file path, function
name and command line a page mentions exists.

Conventions of the pages (docs/README.md states them for writers):

- the ```python blocks of a page run in order in one namespace, in a fresh temporary folder, after
  layer names are reset and minicnn's seed set to 0;
- a ```text block right after a ```python block (nothing but blank lines between) is what that block
  prints, compared line by line;
- a ```python block whose first line is ``# illustrative: <reason>`` is compiled but not run; its
  test is reported as skipped with that reason;
- a ```bash line starting with ``minicnn `` must parse with the ``minicnn`` command's own parser;
- docs/README.md links every page of docs/ and names as "Coming" only pages not written yet.
"""

import ast
import builtins
import contextlib
import functools
import io
import pathlib
import re
import shlex

import numpy as np
import pytest

import minicnn as mc
from minicnn import backend

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = ["autograd.md", "models.md", "training.md", "convolution.md", "pooling_and_batchnorm.md", "gradcheck.md",
         "pictures.md", "benchmarking.md", "degradation.md", "gpu.md", "README.md"]
ILLUSTRATIVE = "# illustrative:"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", flags=re.S | re.M)
REPO_PATH = re.compile(r"\b(?:minicnn|tests|benchmarks|examples|docs)/[\w/.-]*\w")
CALLED_NAME = re.compile(r"([A-Za-z_][\w.]*)\(")
MATH_NOTATION = {"rsqrt"}  # TensorFlow's name in a formula, not a minicnn function


def blocks_of(page):
    """[(language, code, expected output or None, line number)] of a page's fenced blocks."""
    text = (DOCS / page).read_text()
    found = [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1, m.start(), m.end())
             for m in FENCE.finditer(text)]

    def is_output(k):  # a text block with nothing but blank lines between it and a python block before it
        return (0 < k < len(found) and found[k][0] == "text" and found[k - 1][0] == "python"
                and not text[found[k - 1][4]:found[k][3]].strip())

    return [(language, code, found[k + 1][1] if is_output(k + 1) else None, line)
            for k, (language, code, line, _, _) in enumerate(found) if not is_output(k)]


def prose_of(page):
    """The page without its fenced blocks."""
    return FENCE.sub("", (DOCS / page).read_text())


def python_blocks(page):
    return [(code, output, line) for language, code, output, line in blocks_of(page) if language == "python"]


def illustrative_blocks():
    return [pytest.param(page, code, id=f"{page}:{line}") for page in PAGES
            for code, _, line in python_blocks(page) if code.startswith(ILLUSTRATIVE)]


def compare_output(page, line, expected, printed):
    want = [s.rstrip() for s in expected.rstrip("\n").split("\n")]
    got = [s.rstrip() for s in printed.rstrip("\n").split("\n")]
    for k, (a, b) in enumerate(zip(want, got)):
        assert a == b, (f"{page}, block at line {line}: printed line {k + 1} differs\n"
                        f"  page shows: {a!r}\n  printed:    {b!r}\nwhole output:\n{printed}")
    assert len(want) == len(got), (f"{page}, block at line {line}: the page shows {len(want)} lines, the block "
                                   f"printed {len(got)}:\n{printed}")


@pytest.mark.parametrize("page", [page for page in PAGES if python_blocks(page)])
def test_page_examples_run_and_print_what_the_page_shows(page, tmp_path, monkeypatch):
    from minicnn.keras.backend import clear_session

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")  # summary() tables as in an 80-column terminal, whatever this one is
    clear_session()
    mc.set_seed(0)
    dtype, device = backend.get_default_dtype(), backend.get_device()
    namespace = {"__name__": f"docs_{page}"}
    try:
        for code, output, line in python_blocks(page):
            if code.startswith(ILLUSTRATIVE):
                continue
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                try:
                    exec(compile(code, f"docs/{page}:{line}", "exec"), namespace)
                except Exception as err:
                    raise AssertionError(f"{page}, block at line {line} raised {type(err).__name__}: {err}") from err
            if output is not None:
                compare_output(page, line, output, printed.getvalue())
    finally:
        mc.set_default_dtype(dtype)
        mc.set_device(device)


@pytest.mark.parametrize("page, code", illustrative_blocks())
def test_illustrative_block_compiles_and_is_skipped(page, code):
    compile(code, f"docs/{page}", "exec")
    reason = code.split("\n", 1)[0][len(ILLUSTRATIVE):].strip()
    assert reason, f"{page}: an illustrative block must say why it is not run"
    pytest.skip(f"illustrative, not run: {reason}")


@pytest.mark.parametrize("page", PAGES)
def test_paths_the_page_names_exist(page):
    text = (DOCS / page).read_text()
    missing = sorted({p for p in REPO_PATH.findall(text) if "." in p.rsplit("/", 1)[-1] and not (ROOT / p).exists()})
    links = re.findall(r"\]\(([^)#\s]+)", prose_of(page))
    missing += sorted({link for link in links if "://" not in link and not (DOCS / link).exists()})
    assert not missing, f"{page} names files that do not exist: {missing}"


@functools.lru_cache(maxsize=None)
def defined_names():
    """Every function, class, method and module-level name defined in minicnn's source."""
    names = set()
    for path in (ROOT / "minicnn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)


@pytest.mark.parametrize("page", PAGES)
def test_function_names_the_page_mentions_exist(page):
    """A name written as a call in inline code (`backpropagate()`, `model.fit(x, y)`) is defined in
    minicnn (its last dotted part), in the page's own examples, or is Python's or NumPy's."""
    known = set(defined_names()) | set(dir(builtins)) | set(dir(np)) | set(dir(np.ndarray)) | MATH_NOTATION
    for code, _, _ in python_blocks(page):
        known.update(node.name for node in ast.walk(ast.parse(code))
                     if isinstance(node, (ast.FunctionDef, ast.ClassDef)))
    spans = re.findall(r"`([^`]+)`", prose_of(page))
    called = {name for span in spans for name in CALLED_NAME.findall(span)}
    unknown = sorted(name for name in called if name.rsplit(".", 1)[-1] not in known)
    assert not unknown, f"{page} mentions functions minicnn does not define: {unknown}"


@pytest.mark.parametrize("page", PAGES)
def test_command_lines_parse(page):
    from minicnn.cli import build_parser

    for language, code, _, line in blocks_of(page):
        if language not in ("bash", "sh", "console"):
            continue
        for command in code.splitlines():
            command = command.split("#", 1)[0].strip()
            if not command.startswith("minicnn "):
                continue
            try:
                build_parser().parse_args(shlex.split(command)[1:])
            except SystemExit:
                pytest.fail(f"{page}, line {line}: `{command}` does not parse with the minicnn command's parser")


def test_index_links_every_page_and_names_only_missing_ones_as_coming():
    index = (DOCS / "README.md").read_text()
    linked = set(re.findall(r"\]\(([\w.-]+\.md)\)", index))
    pages = {path.name for path in DOCS.glob("*.md")} - {"README.md"}
    assert not pages - linked, f"docs/README.md does not link {sorted(pages - linked)}: add a row for each"
    coming = re.search(r"^Coming: (.*?)\n\n", index, flags=re.S | re.M)
    written = sorted(name for name in re.findall(r"[\w-]+\.md", coming.group(1) if coming else "") if name in pages)
    assert not written, f"docs/README.md still names {written} as coming: they exist now, link them in the table"
