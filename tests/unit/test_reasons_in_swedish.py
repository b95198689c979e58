"""Every reason the ingest can give a rejected file has its Swedish words, found in the code.

A Swedish report's data-quality section shows each rejected file's reason (``audit.loaded_files``)
through :func:`indicators.report.quality_words.reason`, one pattern per sentence the ingest writes; a
sentence added to a reader without its pattern read in English there, unnoticed (the hand list of
files in ``test_report_swedish`` only knew the sentences of its day). Here the sentences are read out
of the source: every ``raise ReaderError(...)``, ``LayoutError(...)`` and ``DeriveError(...)`` (the
exceptions the ingest turns into a rejection) and every value the ingest assigns to a file's
``reason``, through the f-strings, ``+``, conditional expressions, local names and module functions
they are built of. What an f-string fills in (a count, a header, a file name) is tried as each of a
few sample values; a sentence is translated when one of those readings gets Swedish words.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import indicators
from indicators.report.quality_words import check_text, reason

SOURCE = Path(indicators.__file__).parent
# what ingest.py rejects a file for (Unreadable: the inbox's file could not be read at all)
EXCEPTIONS = {"ReaderError", "LayoutError", "DeriveError", "Unreadable"}
HOLE = object()  # a value an f-string fills in
QUOTED = object()  # one it fills in with !r: a quoted text
# what a hole may read: a number, a count with a thousands separator, a size, a cell range, an
# encoding, a bit of text, a reason passed on (kept as ...); the quoted ones a Python repr
SAMPLES = ("1", "1,234", "1.5", "A1:B2", "UTF-16", "x y", "", "empty file")
QUOTED_SAMPLES = ("'x'", "'x', 'y'")


class Module:
    """One source file's functions, to follow a sentence into the helpers that build it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text("utf-8"))
        self.functions = {
            node.name: node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def forms(self, node: ast.AST, scope: ast.AST | None, depth: int = 0) -> list[tuple]:
        """Every form ``node`` can take: tuples of text and holes."""
        if depth > 6:
            return [(HOLE,)]
        if isinstance(node, ast.Constant):
            return [(node.value,)] if isinstance(node.value, str) else [(HOLE,)]
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append([(value.value,)])
                elif value.conversion == ord("r"):
                    parts.append([(QUOTED,)])
                else:
                    parts.append(self.forms(value.value, scope, depth + 1))
            return [sum(combo, ()) for combo in itertools.product(*parts)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.forms(node.left, scope, depth + 1), self.forms(node.right, scope, depth + 1)
            return [a + b for a, b in itertools.product(left, right)]
        if isinstance(node, ast.IfExp):
            return self.forms(node.body, scope, depth + 1) + self.forms(node.orelse, scope, depth + 1)
        if isinstance(node, ast.BoolOp):
            return [form for value in node.values for form in self.forms(value, scope, depth + 1)]
        if isinstance(node, ast.Name) and scope is not None:
            return self._name(node.id, scope, depth) or [(HOLE,)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions:
            function = self.functions[node.func.id]
            returned = [
                form
                for ret in ast.walk(function)
                if isinstance(ret, ast.Return) and ret.value is not None
                for form in self.forms(ret.value, function, depth + 1)
            ]
            return [form for form in returned if form != (None,)] or [(HOLE,)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and depth < 3:
            source = imported_function(node.func.id, self.tree)  # intake.kept_as: kept, or why not
            if source is not None and node.func.id in source.functions:
                return source.forms(ast.Call(ast.Name(node.func.id), [], []), None, depth + 1)
        return [(HOLE,)]

    def _name(self, name: str, scope: ast.AST, depth: int) -> list[tuple]:
        """The texts a local name is given in its function: its assignments, its parameter's default."""
        found = [
            form
            for node in ast.walk(scope)
            if isinstance(node, ast.Assign)
            for value in assigned(node, name)
            for form in self.forms(value, scope, depth + 1)
        ]
        if isinstance(scope, ast.FunctionDef):
            arguments = scope.args.args[len(scope.args.args) - len(scope.args.defaults) :]
            found += [
                (default.value,)
                for argument, default in zip(arguments, scope.args.defaults, strict=True)
                if argument.arg == name
                and isinstance(default, ast.Constant)
                and isinstance(default.value, str)
            ]
        return found


def assigned(node: ast.Assign, name: str) -> list[ast.AST]:
    """What an assignment gives ``name``: ``name = x``, or ``data, name = None, x``."""
    found = []
    for target in node.targets:
        if isinstance(target, ast.Name) and target.id == name:
            found.append(node.value)
        elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
            found += [
                value
                for element, value in zip(target.elts, node.value.elts, strict=False)
                if isinstance(element, ast.Name) and element.id == name
            ]
    return found


def enclosing(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    """Each node's function (the module for a top-level node)."""
    owner: dict[ast.AST, ast.AST] = {}

    def visit(node: ast.AST, function: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            owner[child] = function
            visit(child, child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function)

    visit(tree, tree)
    return owner


def imported_function(name: str, tree: ast.AST) -> Module | None:
    """The module of ``indicators`` a function called in ``tree`` comes from."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("indicators")
            and any(alias.name == name for alias in node.names)
        ):
            path = SOURCE.parent / (node.module.replace(".", "/") + ".py")
            return Module(path) if path.is_file() else None
    return None


def sentences() -> dict[tuple, str]:
    """Every form of every rejection reason in the code, with where it is written."""
    found: dict[tuple, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        module = Module(path)
        owner = enclosing(module.tree)
        for node in ast.walk(module.tree):
            made = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in EXCEPTIONS
                and node.args
                and isinstance(owner.get(node), ast.FunctionDef | ast.AsyncFunctionDef)
            ):
                made = module.forms(node.args[0], owner[node])
            elif path.name == "ingest.py" and isinstance(node, ast.Assign) and assigned(node, "reason"):
                made = [
                    form
                    for value in assigned(node, "reason")
                    for form in _ingest_reason(module, value, owner[node])
                ]
            for form in made or []:
                found.setdefault(form, f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
        if path.name == "ingest.py":  # the reasons written into a result as it is made
            for node in ast.walk(module.tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "FileResult":
                    status = node.args[2] if len(node.args) > 2 else None
                    if isinstance(status, ast.Constant) and status.value in ("rejected", "unmatched"):
                        for form in module.forms(node.args[3], owner.get(node)):
                            found.setdefault(form, f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    # a reason that is only a message passed on (LayoutError(str(exc))) is counted where it is made
    return {form: where for form, where in found.items() if any(isinstance(p, str) and p for p in form)}


def _ingest_reason(module: Module, value: ast.AST, scope: ast.AST) -> list[tuple]:
    """A reason the ingest assigns: a text, or a call of a function it imports (intake.oversize)."""
    calls = value.values if isinstance(value, ast.BoolOp) else [value]
    forms = []
    for call in calls:
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            source = imported_function(call.func.id, module.tree)
            if source is not None:
                forms += source.forms(call, None)
                continue
        if isinstance(call, ast.JoinedStr | ast.Constant):
            forms += module.forms(call, scope)
    return forms


def readings(form: tuple):
    """The texts a form reads as, its holes filled with the samples (adjacent holes as one): every
    hole with one sample first, then, for a form of three holes at most, each mix of them."""
    parts: list = []
    for part in form:
        if part in (HOLE, QUOTED) and parts and parts[-1] in (HOLE, QUOTED):
            continue
        parts.append(part)
    for sample, quoted in itertools.product(SAMPLES, QUOTED_SAMPLES):
        yield "".join(quoted if p is QUOTED else sample if p is HOLE else p for p in parts)
    if sum(p is HOLE or p is QUOTED for p in parts) <= 3:
        choices = [QUOTED_SAMPLES if p is QUOTED else SAMPLES if p is HOLE else (p,) for p in parts]
        yield from ("".join(combo) for combo in itertools.product(*choices))


def translated(form: tuple) -> bool:
    """Whether a reading of the form gets Swedish words, none of its own English words left (a
    pattern's catch-all group, ``could not be read (.*)``, let a sentence's English tail through)."""
    english = [
        chunk.strip()
        for part in form
        if isinstance(part, str)
        for chunk in re.split(r"[:;()]|, ", part)
        if len(chunk.split()) >= 4
    ]
    for text in readings(form):
        said, lang = reason(text, "sv")
        if lang == "sv" and not any(part in said for part in english):
            return True
    return False


def test_the_sentences_are_found_in_the_code():
    # the enumeration reads the readers, the header check, derive and the ingest: a sentence of each
    found = {
        "".join(p if isinstance(p, str) else "…" for p in form): where for form, where in sentences().items()
    }
    places = {where.split(":")[0] for where in found.values()}
    assert {"indicators/readers/csv.py", "indicators/readers/xlsx.py", "indicators/headers.py"} <= places
    assert {"indicators/derive.py", "indicators/ingest.py", "indicators/readers/xlsx_extent.py"} <= places
    assert (
        "file name matches no source; left in place (to load it, rename it to match a source's patterns: "
        "in pipelines/*.yml)"
    ) in found
    assert any(text.startswith("file larger than … MB is not accepted (max_file_mb") for text in found)
    assert any(text.startswith("its name says it was extracted on …, after ") for text in found)
    assert len(found) > 60


def test_every_reason_the_code_gives_a_rejected_file_has_its_swedish_words():
    missing = sorted(
        f"{where}: {''.join(p if isinstance(p, str) else '…' for p in form)}"
        for form, where in sentences().items()
        if not translated(form)
    )
    assert missing == []


def check_details() -> dict[tuple, str]:
    """Every detail of a failed check the GX side writes of its own (``quality.results.failed``'s
    details, and the fallbacks ``expectation_row`` gives a result without one), found in the code."""
    found: dict[tuple, str] = {}
    for path in sorted((SOURCE / "quality").glob("*.py")):
        module = Module(path)
        owner = enclosing(module.tree)
        for node in ast.walk(module.tree):
            made = []
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "failed" and node.args:
                detail = node.args[-1]
                if not (isinstance(detail, ast.Call) and getattr(detail.func, "id", None) == "_clip"):
                    made = module.forms(detail, owner[node])  # a clipped one: as _clip's below
            elif isinstance(node, ast.Assign) and path.name == "results.py" and assigned(node, "details"):
                made = [
                    form for value in assigned(node, "details") for form in module.forms(value, owner[node])
                ]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_clip" and node.args:
                # a detail clipped to its length: _clip(details or "failed") gives the fallback
                given = node.args[0]
                values = given.values[1:] if isinstance(given, ast.BoolOp) else [given]
                made = [form for value in values for form in module.forms(value, owner[node])]
            for form in made:
                if any(isinstance(part, str) and part for part in form):
                    found.setdefault(form, f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    return found


def test_every_detail_of_a_check_the_code_writes_has_its_swedish_words():
    # the failed checks' table of a Swedish report: "not evaluated: ...", "no suite ...: ... is not
    # checked by GX" and GX's empty results read in English there
    found = check_details()
    shown = {"".join(p if isinstance(p, str) else "…" for p in form) for form in found}
    assert {"not evaluated: …", "GX returned no result", "failed"} <= shown
    missing = sorted(
        f"{where}: {''.join(p if isinstance(p, str) else '…' for p in form)}"
        for form, where in found.items()
        if not any(check_text(text, "sv")[1] == "sv" for text in readings(form))
    )
    assert missing == []


def test_a_by_year_profile_detail_reads_in_swedish_throughout():
    # quality.results._years_detail: a Swedish report's failed checks read "läsår 2021/22: 3 rows,
    # 0.075 of 40", the year's rows and its share of the year before in English
    assert check_text("academic years 2021/22: 3 rows, 0.075 of 40; 2022/23: 0 rows, 0 of 35", "sv") == (
        "läsår 2021/22: 3 rader, 0.075 av 40; 2022/23: 0 rader, 0 av 35",
        "sv",
    )
    assert check_text("academic years 2020/21: 0.25", "sv") == ("läsår 2020/21: 0.25", "sv")
