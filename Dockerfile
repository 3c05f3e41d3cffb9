# syntax=docker/dockerfile:1
#
# workflow-migrator: the migrator and the definitions under config/, in one image.
# It runs once (a Kubernetes Job, a compose one-shot), deploys, and exits.
#
# The install is the one the tests run: a wheel built from this directory, then
# scripts/install-migrator into a fresh virtualenv (tests/images/test_migrator_install.py).
# The version is the package's (pyproject.toml); no other file repeats it.
#
# Runtime: user 10001, no compilers, nothing written to the filesystem.
# Mount another definitions directory over /etc/config/workflow-migrator to deploy it instead.
#
#   docker build -t workflow-migrator .
#   scripts/migrator-image build        (buildah, no Docker: what the tests build and run)
#   docker run --rm -e CONDUCTOR_BASE_URL=http://conductor-server:8080 -e APP_ENV=dev \
#     workflow-migrator
#   docker run --rm -e CONDUCTOR_BASE_URL=... -v "$PWD/config:/etc/config/workflow-migrator:ro" \
#     workflow-migrator plan --config-dir /etc/config/workflow-migrator

# The base of both stages, pinned by digest. Another base may be passed
# (--build-arg BASE_IMAGE=...) when it offers what the stages use: `python` (3.11 or later)
# with venv and pip, groupadd and useradd. The tests build on a Debian base made locally
# (scripts/migrator-image), as no image registry is reachable there.
ARG BASE_IMAGE=python:3.12-slim@sha256:229a2c5bfa27522db7815ea81f9bed70af17ccb9de9fc7ad142b1877b5830d36

# ==========================================================================================
# 0. Build stage: the wheel
# ==========================================================================================
FROM ${BASE_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src/ src/
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# ==========================================================================================
# 1. Runtime stage: the wheel installed into a virtualenv by scripts/install-migrator
# ==========================================================================================
FROM ${BASE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="workflow-migrator" \
      org.opencontainers.image.description="Deploys the Conductor task and workflow definitions it carries" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# The wheel and the install script are mounted, not copied: neither stays in the image.
RUN --mount=type=bind,from=build,source=/dist,target=/dist \
    --mount=type=bind,source=scripts/install-migrator,target=/usr/local/bin/install-migrator \
    python -m venv /opt/workflow-migrator \
    && install-migrator /opt/workflow-migrator /dist/*.whl \
    && groupadd --system --gid 10001 migrator \
    && useradd --system --uid 10001 --gid migrator --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin migrator

ENV PATH=/opt/workflow-migrator/bin:$PATH

COPY --chown=root:root config/ /etc/config/workflow-migrator/

USER 10001:10001
ENTRYPOINT ["workflow-migrator"]
CMD ["deploy", "--config-dir", "/etc/config/workflow-migrator"]
