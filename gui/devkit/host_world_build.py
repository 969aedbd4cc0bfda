"""Build a Python plugin against this project's world (run as a subprocess).

    python -m gui.devkit.host_world_build MODULE -o OUT.wasm --wit DIR

Pumpkin's ``pumpkin-plugin-build`` always builds against Pumpkin's world. A
plugin that imports ``pumpkin-patch:host`` (storage, notify, status) is
built the same way, through componentize-py with pumpkin-api-py's world
implementation, but against ``pumpkin-patch:host/plugin@0.1.0``, which
includes Pumpkin's world: DIR is a tree made by
:func:`gui.devkit.wasm_tools.host_wit_tree`. Run from the plugin's folder.
In the plugin, the extra interfaces are ``wit_world.imports.storage``,
``.notify`` and ``.status`` (componentize-py's generated bindings).
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
from pathlib import Path

from gui.devkit.wasm_tools import HOST_WORLD

# The module componentize-py starts from: pumpkin-api-py's world and metadata
# implementations (which dispatch to the plugin's registered Plugin class),
# then the plugin module itself.
_ENTRY = """\
from pumpkin_api.impl import MetadataImpl, WitWorldImpl

WitWorld = WitWorldImpl
Metadata = MetadataImpl

import {module}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="host_world_build")
    parser.add_argument("module")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--wit", required=True)
    args = parser.parse_args(argv)

    import componentize_py

    spec = importlib.util.find_spec("pumpkin_api")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pumpkin-api-py is not installed: pip install pumpkin-api-py")
    sdk_parent = str(Path(next(iter(spec.submodule_search_locations))).parent)
    with tempfile.TemporaryDirectory(prefix="pumpkin-patch-build-") as entry_dir:
        entry = "_pumpkin_patch_entry"
        Path(entry_dir, f"{entry}.py").write_text(_ENTRY.format(module=args.module),
                                                  encoding="utf-8")
        componentize_py.componentize(
            wit_path=[args.wit], worlds=[HOST_WORLD], features=[], all_features=False,
            world_module="wit_world", python_path=[".", sdk_parent, entry_dir],
            module_worlds=[], app_name=entry, output_path=args.output, stub_wasi=False,
            import_interface_names=[], export_interface_names=[], full_names=False,
            intersect_world=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
