"""No unsafe HTML from data anywhere (issue #8 item 5): a static check of the source tree.

Rules, kept simple on purpose (read the source with ``ast``, no imports of the app):

1. ``unsafe_allow_html=True`` (and ``unsafe_allow_javascript=True``) may only appear at a reviewed place: every hit
   must be in :data:`UNSAFE_ALLOWED` (``"file:line"`` for ``unsafe_allow_html``) or :data:`HTML_ALLOWED`
   (``"file::function"`` for ``st.html`` calls with JavaScript) with a reason, and an ``unsafe_allow_html`` call must
   pass a constant, data-free string (a literal or a module-level UPPER_CASE string constant).
2. Every ``*.html(...)`` call (``st.html``, ``st.sidebar.html``, ``container.html``) must receive something that
   cannot carry unescaped data:

   - a string literal, or a module-level UPPER_CASE name bound to a string literal;
   - an f-string whose every ``{...}`` is a call to ``html.escape`` / ``escape``;
   - the result of one of :data:`ESCAPING_BUILDERS` (functions that escape every text they put in; each is tested
     below with a hostile label);
   - or the call sits in a function listed in :data:`HTML_ALLOWED` with the reason it is safe.

   Anything else (an f-string with a raw value, ``+`` concatenation, ``.format``, a variable) fails.  A variable
   holding a builder's output needs an :data:`HTML_ALLOWED` entry: the check does not follow assignments.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Where the app's code lives (the public entry point and pages too, when present).
SOURCES = ("app.py", "public_app.py", "components", "pages", "pages_public", "dashboard")

#: ``"file:line"`` → reason, for each reviewed ``unsafe_allow_html=True`` (none today: the app uses ``st.html``).
UNSAFE_ALLOWED: dict[str, str] = {}

#: ``"file::function"`` → reason, for ``*.html(...)`` calls whose argument the simple rules cannot judge.
HTML_ALLOWED: dict[str, str] = {
    "components/stock_land_panel.py::render_map": "`legend` is `_legend(...)`, i.e. `legend_html` of translated labels",
    "components/auth.py::_set_cookie": "cookie script: the value is checked to be URL-safe ([A-Za-z0-9-_.]) in the "
                                       "function, max_age is an int, the cookie name and `secure` are constants",
}

#: Functions returning HTML in which every text is escaped (verified by :func:`test_builders_escape`).
ESCAPING_BUILDERS = {"legend_html", "alerts_html"}
ESCAPES = {"escape"}  # html.escape / from html import escape


def python_files() -> list[Path]:
    files = []
    for name in SOURCES:
        path = ROOT / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(path.rglob("*.py"))
    return files


def _called_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def _module_constants(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()}
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id.isupper()
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            names.add(node.target.id)
    return names


def _is_constant(node: ast.AST, constants: set[str]) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    return isinstance(node, ast.Name) and node.id in constants


def html_argument_is_safe(node: ast.AST, constants: set[str]) -> bool:
    """Rule 2 for one argument (see the module docstring)."""
    if _is_constant(node, constants):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_called_name(part.value) in ESCAPES for part in node.values if isinstance(part, ast.FormattedValue))
    return _called_name(node) in ESCAPING_BUILDERS


def _functions(tree: ast.Module):
    """``(call, enclosing function name)`` for every call in the module."""
    def walk(node, owner):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else owner
            if isinstance(child, ast.Call):
                yield child, name
            yield from walk(child, name)
    yield from walk(tree, "<module>")


def _keyword_true(call: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def findings() -> list[str]:
    problems = []
    for path in python_files():
        source = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(source)
        constants = _module_constants(tree)
        for call, owner in _functions(tree):
            where = f"{rel}:{call.lineno}"
            place = f"{rel}::{owner}"
            if _keyword_true(call, "unsafe_allow_html"):
                if where not in UNSAFE_ALLOWED:
                    problems.append(f"{where}: unsafe_allow_html=True not in the allow-list")
                elif not call.args or not _is_constant(call.args[0], constants):
                    problems.append(f"{where}: unsafe_allow_html=True with a non-constant argument")
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "html"):
                continue
            if isinstance(func.value, ast.Name) and func.value.id == "html":
                continue  # the html module itself, not a Streamlit call
            argument = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "body"), None)
            if place in HTML_ALLOWED:
                continue
            if _keyword_true(call, "unsafe_allow_javascript"):
                problems.append(f"{where}: html with JavaScript outside the allow-list")
            elif argument is None or not html_argument_is_safe(argument, constants):
                problems.append(f"{where}: {ast.unparse(argument) if argument is not None else '?'} may carry "
                                "unescaped data into HTML")
        # A text search too, so that no spelling the AST rules miss (e.g. **kwargs) goes unnoticed.
        for number, line in enumerate(source.splitlines(), 1):
            if re.search(r"unsafe_allow_html\s*=\s*True", line) and f"{rel}:{number}" not in UNSAFE_ALLOWED:
                problems.append(f"{rel}:{number}: unsafe_allow_html=True not in the allow-list")
    return sorted(set(problems))


def test_no_unsafe_html_from_data():
    assert findings() == []


def test_allow_lists_point_at_real_places():
    """An entry whose place no longer exists is stale: remove it rather than let it allow a future line."""
    for entry in UNSAFE_ALLOWED:
        rel, line = entry.rsplit(":", 1)
        text = (ROOT / rel).read_text(encoding="utf-8").splitlines()
        assert "unsafe_allow_html" in text[int(line) - 1], entry
    for entry in HTML_ALLOWED:
        rel, function = entry.split("::")
        path = ROOT / rel
        if not path.exists():
            continue  # another change may have removed the file: the entry then allows nothing
        names = {n.name for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        assert function in names, entry


@pytest.mark.parametrize(("snippet", "safe"), [
    ('st.html("<b>x</b>")', True),
    ("st.html(STYLE)", True),
    ('st.html(f"<b>{html.escape(name)}</b>")', True),
    ('st.html(f"<b>{name}</b>")', False),
    ('st.html("<b>" + name + "</b>")', False),
    ('st.html("<b>{}</b>".format(name))', False),
    ("st.html(legend_html(groups))", True),
    ("st.html(view.alerts_html(alerts, lang))", True),
    ("st.html(text)", False),
])
def test_the_rule_itself(snippet, safe):
    call = ast.parse(snippet).body[0].value
    assert html_argument_is_safe(call.args[0], {"STYLE"}) is safe


def test_builders_escape():
    import pandas as pd

    from dashboard.legend import LegendGroup, LegendItem, legend_html
    from dashboard.views.overview import ALERT_COLUMNS, alerts_html

    hostile = "<script>alert(1)</script>"
    legend = legend_html([LegendGroup(hostile, (LegendItem(hostile, (1, 2, 3)),))])
    assert "<script>" not in legend and "&lt;script&gt;" in legend
    row = dict.fromkeys(ALERT_COLUMNS, hostile)
    row.update(severity_rank=0, relative_gap=0.0, gap=0.0)
    alerts = alerts_html(pd.DataFrame([row]), "zh")
    assert "<script>" not in alerts and "&lt;script&gt;" in alerts
