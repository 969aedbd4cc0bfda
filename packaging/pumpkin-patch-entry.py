"""The bundled executable's entry point: what the ``pumpkin-patch`` command runs."""

from gui.cli import main

raise SystemExit(main())
