"""Per-version facts of the Java Edition protocol, generated from npm ``minecraft-data``.

One folder per protocol number (``775/`` is 26.1), written by
``python -m gui.server.java.data.generate``; see that module for what each file holds.
"""
