"""Take the screenshots the AppStream metainfo lists: welcome, server page, About.

Run from the repository root (under Xvfb for real window decorations, or with
QT_QPA_PLATFORM=offscreen)::

    python packaging/screenshots/take.py

It starts the real window on a throw-away first-run profile with the echo
plugin, grabs the welcome, presses "Start the server", grabs the window on
the server page, then opens Help > About and grabs it.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from gui.app import Application, EventLoop, create_qapplication, shutdown_qapplication  # noqa: E402
from gui.devkit.wat_build import build_fixture  # noqa: E402
from gui.firstrun import FirstRun  # noqa: E402
from gui.paths import AppPaths  # noqa: E402


async def _until(predicate, timeout: float = 120.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the window did not get there")
        await asyncio.sleep(0.05)


async def _take(paths: AppPaths) -> None:
    app = Application(paths, read_stdin=False, first_run=FirstRun(paths))
    ready = asyncio.Event()
    app.ready.connect(lambda _ok: ready.set())
    app.start()
    await ready.wait()
    dialog = app.welcome.dialog
    await _until(lambda: "fingerprint" in dialog.trust.text())
    await asyncio.sleep(0.3)  # let the window manager draw it
    dialog.grab().save(str(HERE / "welcome.png"))
    dialog.start_button.click()
    await _until(lambda: app.control.state == "running")
    await _until(lambda: "1 of 1 running" in app.window.status_plugins.text())
    app.window.server_page.run_command("playtest join Alice")
    app.window.server_page.run_command("playtest run Alice ping")
    await asyncio.sleep(0.5)
    app.window.grab().save(str(HERE / "server.png"))
    about = await app.window.open_about()
    await asyncio.sleep(0.3)
    about.grab().save(str(HERE / "about.png"))
    about.close()
    app.request_quit()
    await app._finished.wait()


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="pumpkin-patch-shots-"))
    try:
        paths = AppPaths.under(root)
        paths.plugins_dir.mkdir(parents=True)
        shutil.copyfile(build_fixture("echo"), paths.plugins_dir / "echo.wasm")
        qapp = create_qapplication()
        loop = EventLoop(qapp)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(_take(paths))
        shutdown_qapplication(qapp)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("wrote", *(p.name for p in sorted(HERE.glob("*.png"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
