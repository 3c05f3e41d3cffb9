from workflow_migrator._cli import main

raise SystemExit(main())
