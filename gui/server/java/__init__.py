"""The Java Edition protocol (26.1, protocol 775): real Minecraft clients join the server.

Public surface:

- :class:`~gui.server.java.listener.GameListener` owns the game port (handshake,
  status ping, logins) and :class:`~gui.server.java.listener.JavaLimits` its caps
  and time-outs; :class:`~gui.server.java.listener.JavaGame` is what every client
  shares (chunk cache, tab list, block updates).
- :class:`~gui.server.java.connection.NetworkConnection`: a network player's
  ``players.Connection``, the counterpart of ``PlaytestConnection``.
- :func:`~gui.server.java.version.game_version`: the version's generated data
  (``data/<protocol>/``, written by ``data/generate.py`` from npm minecraft-data).

Inside: ``wire`` (frames, compression, field codecs), ``login`` (login and
configuration), ``play`` (one client in the play state), ``chunks`` (the flat
world as Chunk Data), ``command_tree`` (Declare Commands and Tab completion),
``nbt`` (network NBT with amulet-nbt).
"""
