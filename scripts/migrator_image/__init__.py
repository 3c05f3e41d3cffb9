"""Builds the workflow migrator's image without Docker: the package behind
``scripts/migrator-image``.

One module per job:

- ``base``: the error every job raises, logging, the repository's paths, running a command;
- ``engine``: buildah and podman with a configuration of their own, kept under ``.tools/``;
- ``debian``: the local Debian base image, made with debootstrap and cached;
- ``build``: the root Dockerfile built on that base, tagged by the hash of what it copies;
- ``cli``: argument parsing and exit codes.

Standard library only, like ``scripts/conductor-stack``: it runs before any virtualenv exists.
"""
