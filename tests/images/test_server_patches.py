"""The patches the server image applies to the Orkes source, applied to stand-ins.

The fixtures under fixtures/ are minimal files shaped like the upstream ones (the
lines each patch touches and its context). The schema patch's new method is then
compiled and run, so the test shows which schema Flyway would be given.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.images import PATCH_DIR

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCHEMA_PATCH = PATCH_DIR / "0001-flyway-follows-configured-schema.patch"
SAMPLES_PATCH = PATCH_DIR / "0002-sample-definitions-opt-in.patch"
ARCHIVE_CONFIG = (
    "archive/src/main/java/io/orkes/conductor/dao/postgres/archive/"
    "PostgresArchiveDAOConfiguration.java"
)
APPLICATION = "server/src/main/java/io/orkes/conductor/OrkesConductorApplication.java"


def _source_tree(tmp_path: Path) -> Path:
    """A directory laid out like the Orkes repository, holding the two stand-ins."""
    tree = tmp_path / "orkes"
    for relative, fixture in (
        (ARCHIVE_CONFIG, "PostgresArchiveDAOConfiguration.java.in"),
        (APPLICATION, "OrkesConductorApplication.java.in"),
    ):
        target = tree / relative
        target.parent.mkdir(parents=True)
        shutil.copyfile(FIXTURES / fixture, target)
    return tree


def _git_apply(tree: Path, *patches: Path) -> subprocess.CompletedProcess[str]:
    # The Dockerfile runs `git apply` on the cloned tag; outside a repository it
    # behaves like patch(1) with git's stricter checks.
    return subprocess.run(
        ["git", "apply", "--verbose", *map(str, patches)],
        cwd=tree, capture_output=True, text=True, check=False,
    )


def test_patch_directory_holds_exactly_the_documented_patches() -> None:
    assert sorted(p.name for p in PATCH_DIR.iterdir()) == [SCHEMA_PATCH.name, SAMPLES_PATCH.name]


def test_patches_apply_in_the_dockerfile_order(tmp_path: Path) -> None:
    tree = _source_tree(tmp_path)
    result = _git_apply(tree, *sorted(PATCH_DIR.glob("*.patch")))
    assert result.returncode == 0, result.stderr


def test_schema_patch_replaces_the_hard_coded_public_schema(tmp_path: Path) -> None:
    tree = _source_tree(tmp_path)
    assert _git_apply(tree, SCHEMA_PATCH).returncode == 0
    patched = (tree / ARCHIVE_CONFIG).read_text()
    assert '.schemas("public")' not in patched
    assert '.schemas(configuredSchema(environment.getProperty("spring.datasource.url")))' in patched


def test_schema_patch_fails_loudly_when_the_source_changed(tmp_path: Path) -> None:
    """The build must stop, not carry on unpatched, if upstream moves the line."""
    tree = _source_tree(tmp_path)
    target = tree / ARCHIVE_CONFIG
    target.write_text(target.read_text().replace('.schemas("public")', '.schemas("other")'))
    result = _git_apply(tree, SCHEMA_PATCH)
    assert result.returncode != 0
    assert "patch does not apply" in result.stderr


def _extract_method(java_source: str, signature: str) -> str:
    start = java_source.index(signature)
    end = java_source.index("\n    }\n", start) + len("\n    }\n")
    return java_source[start:end]


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs a JDK (javac) to run the method")
def test_patched_flyway_bean_reads_the_schema_from_the_jdbc_url(tmp_path: Path) -> None:
    tree = _source_tree(tmp_path)
    assert _git_apply(tree, SCHEMA_PATCH).returncode == 0
    method = _extract_method(
        (tree / ARCHIVE_CONFIG).read_text(), "static String configuredSchema(String jdbcUrl)"
    )
    probe = tmp_path / "probe" / "SchemaProbe.java"
    probe.parent.mkdir()
    probe.write_text(
        "public class SchemaProbe {\n"
        f"{method}\n"
        "    public static void main(String[] args) {\n"
        "        for (String url : args) {\n"
        '            System.out.println(configuredSchema(url.equals("<null>") ? null : url));\n'
        "        }\n"
        "    }\n"
        "}\n"
    )
    subprocess.run(["javac", probe.name], cwd=probe.parent, check=True, capture_output=True)
    urls = {
        "jdbc:postgresql://db:5432/conductor?currentSchema=conductor": "conductor",
        "jdbc:postgresql://db:5432/conductor?ssl=true&currentSchema=wf,public": "wf",
        "jdbc:postgresql://db:5432/conductor?currentSchema=my%5Fschema": "my_schema",
        "jdbc:postgresql://db:5432/conductor?sslmode=require": "public",
        "jdbc:postgresql://db:5432/conductor": "public",
        "<null>": "public",
    }
    result = subprocess.run(
        ["java", "-cp", ".", "SchemaProbe", *urls], cwd=probe.parent,
        check=True, capture_output=True, text=True,
    )
    assert result.stdout.splitlines() == list(urls.values())


def test_samples_patch_makes_sample_loading_opt_in(tmp_path: Path) -> None:
    tree = _source_tree(tmp_path)
    assert _git_apply(tree, SAMPLES_PATCH).returncode == 0
    patched = (tree / APPLICATION).read_text()
    assert "import org.springframework.beans.factory.annotation.Value;" in patched
    assert '@Value("${loadSample:false}")' in patched
    body = patched[patched.index("public void loadSample()"):]
    assert re.search(r"if \(!loadSample\) \{.*?return;", body, re.S)
    # the guard comes before any definition is read or written
    assert body.index("return;") < body.index("Loading samples")
