#!/usr/bin/env python3
"""Times `validate` on a folder of Conductor sample definitions (the directory given, else
$CONDUCTOR_TEST_SAMPLES_DIR, as the tests take it): loading the files included, in-process,
best of several runs; then once more through the CLI, interpreter start included.
The bar, under a second, applies to the validation itself.

Usage: bench/validate.py [SAMPLES_DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLES = Path(os.environ.get("CONDUCTOR_TEST_SAMPLES_DIR", "") or "samples-not-given")
BAR_SECONDS = 1.0


def as_config_dir(samples: Path, destination: Path) -> int:
    """Lays the samples out as a config directory: workflows/ and tasks/ by content."""
    count = 0
    for file in sorted(samples.glob("*.json")):
        if file.name == "INDEX.json":
            continue
        body = json.loads(file.read_text(encoding="utf-8"))
        first = body[0] if isinstance(body, list) and body else body
        folder = destination / ("workflows" if isinstance(first, dict) and "tasks" in first
                                else "tasks")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, folder / file.name)
        count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", nargs="?", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.samples.is_dir():
        print(f"samples not found: {args.samples} (give a folder of sample definitions, "
              "or set CONDUCTOR_TEST_SAMPLES_DIR)", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from workflow_migrator._pipeline import validate_directory

    with tempfile.TemporaryDirectory() as scratch:
        config_dir = Path(scratch) / "samples"
        files = as_config_dir(args.samples, config_dir)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            definitions, findings = validate_directory(config_dir)
            times.append(time.perf_counter() - start)
        errors = sum(1 for f in findings if f.severity == "error")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "workflow_migrator", "validate", "--config-dir",
                        str(config_dir)], capture_output=True, check=False,
                       cwd=REPO_ROOT, env={"PYTHONPATH": str(REPO_ROOT / "src")})
        cli = time.perf_counter() - start
    best = min(times)
    print(f"{files} sample files, {len(definitions)} definitions, {len(findings)} findings "
          f"({errors} errors)")
    print(f"validate (load + all rules), best of {args.runs}: {best * 1000:.1f} ms")
    print(f"workflow-migrator validate (CLI, interpreter start included): {cli * 1000:.0f} ms")
    verdict = "under" if best < BAR_SECONDS else "NOT under"
    print(f"validation is {verdict} the {BAR_SECONDS:.0f} s bar (the CLI time is mostly the "
          "interpreter starting and importing the package)")
    return 0 if best < BAR_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
