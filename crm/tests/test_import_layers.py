"""Dependencies run one way: crm (core) ← customers ← dormancy ← campaigns / visits / dashboard / demo.

An app may use the apps in lower layers (and those of its own layer), never one above it. Every .py file of every
project app is parsed and each import is checked: at module level or inside a function, absolute or relative,
`from crm import dormancy` as well as `import crm.dormancy`, and importlib.import_module("…") / __import__("…")
with a literal name; so are lazy model references ("dormancy.ScanRun" in a ForeignKey) and each template's
{% load %} of another app's tag library and {% include %} / {% extends %} of another app's template.

Not checked: tests (they set up rows of any app to test an integration), migrations (they name other apps' states
by label) and config/ (the composition root: settings and URLs list every app). What a lower app shows from a
higher one goes through a registry it owns (customers/panels.py), filled from the higher app's AppConfig.ready().
"""
import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

# Layer of each app label; a new app must be placed here (test_it_places_every_app_in_a_layer).
LAYERS = {
    "crm": 0,
    "customers": 1,
    "dormancy": 2,
    "campaigns": 3,
    "visits": 3,
    "dashboard": 3,
    "demo": 3,
}
BASE_DIR = Path(settings.BASE_DIR)
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
TEMPLATE_TAG = re.compile(r"{%\s*(load|include|extends)\s+(.*?)\s*%}")


def project_apps():
    """{module name: label} of the apps whose code lives in this repository."""
    found = {}
    for config in apps.get_app_configs():
        if Path(config.path).resolve().is_relative_to(BASE_DIR) and ".venv" not in Path(config.path).parts:
            found[config.name] = config.label
    return found


def app_of(module, app_modules):
    """The label of the project app a dotted module name belongs to (longest prefix), or None (outside)."""
    best = None
    for name, label in app_modules.items():
        if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[0])):
            best = (name, label)
    return best[1] if best else None


def module_name(path):
    parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source, module, *, is_package=False):
    """[(line, dotted name)] of everything `source` (the module `module`) imports, wherever the import statement is."""
    package = module if is_package else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from crm import dormancy` imports crm.dormancy: judge each name as base.name (longest prefix wins).
            names += [(node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            value = node.args[0].value
            if called in ("import_module", "__import__") and isinstance(value, str):
                names.append((node.lineno, value))
    return names


def model_references(source):
    """[(line, app label)] of lazy model references such as ForeignKey("dormancy.ScanRun", …)."""
    labels = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        value = node.args[0].value
        if called in RELATION_FIELDS and isinstance(value, str) and value.count(".") == 1:
            labels.append((node.lineno, value.split(".")[0]))
    return labels


def is_exempt(path):
    parts = path.relative_to(BASE_DIR).parts
    return "tests" in parts or "migrations" in parts or path.name.startswith("test_") or path.name == "conftest.py"


def app_files(app_modules, suffix):
    for name, label in app_modules.items():
        root = BASE_DIR.joinpath(*name.split("."))
        for path in sorted(root.rglob(f"*{suffix}")):
            if ".venv" in path.parts or is_exempt(path):
                continue
            # A file belongs to the innermost app holding it (crm/dormancy/… is dormancy's, not crm's).
            if app_of(module_name(path) if suffix == ".py" else _template_module(path), app_modules) == label:
                yield label, path


def _template_module(path):
    return module_name(path.parent / "x.py")


def upward(importer, imported):
    return imported is not None and imported != importer and LAYERS[imported] > LAYERS[importer]


def python_violations(app_modules):
    found = []
    for label, path in app_files(app_modules, ".py"):
        source = path.read_text(encoding="utf-8")
        imports = imported_names(source, module_name(path), is_package=path.name == "__init__.py")
        for line, name in imports:
            target = app_of(name, app_modules)
            if upward(label, target):
                found.append(f"{path.relative_to(BASE_DIR)}:{line} ({label}) imports {name} ({target})")
        for line, target in model_references(source):
            if target in LAYERS and upward(label, target):
                found.append(f"{path.relative_to(BASE_DIR)}:{line} ({label}) refers to a model of {target}")
    return found


def tag_libraries(app_modules):
    """{tag library name: app label} of the project's own template tag libraries."""
    libraries = {}
    for name, label in app_modules.items():
        for path in BASE_DIR.joinpath(*name.split("."), "templatetags").glob("*.py"):
            if path.name != "__init__.py":
                libraries[path.stem] = label
    return libraries


def template_owners(app_modules):
    """{template name: app label} of every template in the apps' templates/ folders."""
    owners = {}
    for label, path in app_files(app_modules, ".html"):
        parts = path.parts
        if "templates" in parts:
            owners["/".join(parts[len(parts) - parts[::-1].index("templates") :])] = label
    return owners


def template_violations(app_modules):
    libraries, owners, found = tag_libraries(app_modules), template_owners(app_modules), []
    for label, path in app_files(app_modules, ".html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for kind, argument in TEMPLATE_TAG.findall(line):
                if kind == "load":
                    words = argument.split()
                    used = words[words.index("from") + 1 :] if "from" in words else words
                    targets = [(lib, libraries.get(lib)) for lib in used]
                else:
                    literal = re.match(r"""["']([^"']+)["']""", argument)
                    targets = [(literal.group(1), owners.get(literal.group(1)))] if literal else []
                for name, target in targets:
                    if upward(label, target):
                        where = f"{path.relative_to(BASE_DIR)}:{number}"
                        found.append(f"{where} ({label}) {kind}s {name} ({target})")
    return found


# ---------------------------------------------------------------- the project


def test_it_places_every_app_in_a_layer():
    unplaced = sorted(set(project_apps().values()) - set(LAYERS))
    assert not unplaced, f"add these apps to LAYERS in {Path(__file__).name}: {unplaced}"


def test_no_app_imports_an_app_above_it():
    violations = python_violations(project_apps())
    assert not violations, "imports against the layers (use a registry in the lower app):\n" + "\n".join(violations)


def test_no_template_loads_or_includes_a_template_of_an_app_above_it():
    violations = template_violations(project_apps())
    assert not violations, "templates against the layers:\n" + "\n".join(violations)


# ---------------------------------------------------------------- the checker itself

APPS = {"crm": "crm", "crm.dormancy": "dormancy", "customers": "customers", "campaigns": "campaigns"}


def _targets(source, module="customers.views.customers"):
    return [app_of(name, APPS) for _, name in imported_names(source, module)]


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from crm.dormancy.models import CustomerDormancy", "customers.filters"),
        ("import crm.dormancy.selectors as s", "customers.filters"),
        ("from crm import dormancy", "customers.filters"),
        ("def card(c):\n    from crm.dormancy.selectors import customer_dormancy_panel\n    return c", "customers.views"),
        ("class V:\n    def get(self):\n        import crm.dormancy\n", "customers.views"),
        ("import importlib\nm = importlib.import_module('crm.dormancy.pipeline')", "customers.tasks"),
        ("from ..dormancy import rules", "crm.demo.build"),  # relative: crm.dormancy
        ("from .dormancy import rules", "crm.sql"),
    ],
)
def test_the_checker_finds_an_upward_import_wherever_it_is_written(source, module):
    assert "dormancy" in _targets(source, module)


def test_the_checker_resolves_relative_imports_inside_an_app_to_the_app_itself():
    assert _targets("from . import rules\nfrom .models import ScanRun", "crm.dormancy.pipeline") == ["dormancy"] * 2
    assert _targets("from . import sql", "crm.dormancy.__init__") == ["dormancy"]


def test_the_checker_judges_from_crm_imports_by_the_module_they_name():
    assert _targets("from crm import sql, permissions\nfrom crm.permissions import can") == ["crm"] * 3


def test_the_checker_finds_lazy_model_references():
    source = 'class A:\n    run = models.ForeignKey("dormancy.ScanRun", on_delete=models.CASCADE)'
    assert model_references(source) == [(2, "dormancy")]


def test_upward_is_only_towards_a_higher_layer():
    assert upward("customers", "dormancy") and upward("crm", "customers")
    assert not upward("dormancy", "customers") and not upward("campaigns", "visits") and not upward("crm", None)
