"""``python -m specweave_git``."""

from .cli.main import main

raise SystemExit(main())
