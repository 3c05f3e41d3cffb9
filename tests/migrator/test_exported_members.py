import ast
import inspect
import subprocess
import sys

import workflow_migrator


def test_all_is_sorted_and_names_every_export() -> None:
    exported = workflow_migrator.__all__
    assert exported == sorted(exported, key=str.casefold)
    assert set(exported) == set(workflow_migrator._MODULE_OF)
    for name in exported:
        assert getattr(workflow_migrator, name) is not None, name


def test_the_lazy_table_matches_what_type_checkers_see() -> None:
    """Names are loaded on first use from ``_EXPORTS``; the imports under TYPE_CHECKING
    tell type checkers the same thing, and must not drift from it."""
    tree = ast.parse(inspect.getsource(workflow_migrator))
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    seen = {alias.name: node.module.removeprefix("workflow_migrator.")
            for node in guarded.body if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names}
    assert seen == workflow_migrator._MODULE_OF


def test_importing_the_package_loads_no_third_party_library() -> None:
    code = ("import sys, workflow_migrator, workflow_migrator._cli; "
            "print(sorted({'httpx', 'pydantic', 'pydantic_settings', 'rich', 'tenacity'} "
            "& set(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
