"""The one base of the errors Pumpkin Patch raises on purpose.

Every such error's message names the file, plugin or peer involved and says
what to do, so the command line (gui/cli) and the window print it as it is,
without a traceback. Anything else that escapes is a bug and is logged with one.
"""

from __future__ import annotations


class PumpkinPatchError(Exception):
    """An error this application raises on purpose, with a message meant for the admin."""
