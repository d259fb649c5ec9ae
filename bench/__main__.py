"""``python -m bench [--quick]``."""

from bench.cli import main

raise SystemExit(main())
