"""``python -m gui`` does what the ``pumpkin-patch`` command does."""

from gui.cli import main

raise SystemExit(main())
