"""The code passes the static checks the project holds itself to. `scripts/check` is their one
definition (ruff and `mypy --strict` over src/, scripts/, tests/ and bench/); these tests run
it, and show that it finds what it is there to find. Every module of src/ also stays under
the size a reader takes in at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO_ROOT

CHECK = REPO_ROOT / "scripts" / "check"
# Past this a module holds more than one concept: split it along a seam (as _commands/
# and _http.py were split off) rather than raise the limit.
MAX_MODULE_LINES = 400


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(root / "scripts" / "check")], cwd=root, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHON": sys.executable})


def test_the_repository_passes_scripts_check() -> None:
    result = run_check(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_scripts_check_fails_on_a_finding_in_any_of_its_folders(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(CHECK, tmp_path / "scripts" / "check")
    # An extension-less script is Python by its first line, and checked as such.
    (tmp_path / "scripts" / "tool").write_text(
        "#!/usr/bin/env python3\ndef count() -> int:\n    return 'one'\n")
    (tmp_path / "scripts" / "helper").write_text("#!/usr/bin/env bash\nreturn 'one'\n")
    (tmp_path / "scripts" / "demo_stack").mkdir()
    (tmp_path / "scripts" / "demo_stack" / "__init__.py").write_text("import os\n")
    for folder in ("src", "tests", "bench"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"in_{folder}.py").write_text(
            "import os\n\n\ndef untyped(x):\n    return x\n")
    result = run_check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"+ {sys.executable} -m ruff check " in output
    assert f"+ {sys.executable} -m mypy --strict " in output
    assert "scripts/tool:3: error: Incompatible return value type" in output
    assert "scripts/helper" not in output
    assert "scripts/demo_stack/__init__.py:1:8: F401" in output
    for folder in ("src", "tests", "bench"):
        assert f"{folder}/in_{folder}.py:1:8: F401" in output
        assert f"{folder}/in_{folder}.py:4: error: Function is missing a type annotation" \
            in output


def test_no_module_of_the_package_is_over_the_size_limit() -> None:
    sizes = {path.relative_to(REPO_ROOT).as_posix(): len(path.read_text().splitlines())
             for path in (REPO_ROOT / "src").rglob("*.py")}
    assert sizes, "no module found under src/"
    assert {path: n for path, n in sizes.items() if n > MAX_MODULE_LINES} == {}
