"""What the tests share: the one place for helpers, stacks and fixtures' building blocks.

Nothing here is a test (no ``test_`` prefix, so pytest collects nothing from it); the
fixtures themselves live in the ``conftest.py`` of the folder that uses them and are
built from these modules:

- ``paths``: where the repository is, and the paths several folders read;
- ``stacks``: real Conductor stacks through scripts/conductor-stack (``start_stack``,
  ``Server``, ``free_port``, ``wait_for``, ``clean_env``);
- ``tools``: finds the checking tools the suite runs (linters, schema checkers);
- ``faultproxy``: a fault-injecting HTTP proxy in front of a real server;
- ``configs``: copies of the shipped processes that a test owns on a shared server, and
  the names a config directory defines and a server holds;
- ``netns``: a network namespace for a container that reaches one local server only;
- ``migrator``: running the migrator from a test, in-process or as its own process;
- ``workers``: completes the shipped order flow's worker tasks as workers would;
- ``definitions``: definitions and live server state built by hand, for planning;
- ``validation``: the validation fixtures of tests/migrator/fixtures/validation/;
- ``metrics``: reads the Prometheus text format;
- ``charts``: renders the charts with the real Helm engine;
- ``delivery``: reads the GitHub workflows;
- ``images``: the Dockerfiles and the server image's patches;
- ``nginx_harness``: runs docker/ui's start-up steps and nginx as the image does;
- ``mermaid``: the real Mermaid parser (an npm project; ``make setup`` installs it).
"""
