"""Runs a real Conductor server locally, in one command: the package behind
``scripts/conductor-stack``.

One module per job:

- ``base``: the error every job raises, logging, the repository's paths;
- ``processes``: starting, watching and stopping processes by PID, ports, HTTP probes;
- ``jdk``: finding a Java new enough for a server, or installing one from PyPI;
- ``jars``: the server builds this stack can run, and fetching their jars from Maven;
- ``redis``: Redis servers in the topologies production uses;
- ``postgres``: a PostgreSQL cluster with a least-privilege role and schema;
- ``server``: how a server process is launched and waited for;
- ``state``: what ``up`` started, saved in the state directory (PID bookkeeping);
- ``profiles``: which server, services and settings each profile combines;
- ``commands``: fetch, up, status, down and run-server;
- ``cli``: argument parsing and exit codes.

Standard library only: it runs before any virtualenv exists.
"""
