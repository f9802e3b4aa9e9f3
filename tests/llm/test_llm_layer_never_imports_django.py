import ast
from pathlib import Path

import simengine.llm

PACKAGE = Path(simengine.llm.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_of_the_llm_layer_imports_django_or_the_apps():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[0] in {"django", "rest_framework", "channels", "celery"}
            or name.split(".")[0].endswith("_app")
        )
        for path in sorted(PACKAGE.rglob("*.py"))
    }

    assert {path: names for path, names in offenders.items() if names} == {}
