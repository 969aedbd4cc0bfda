"""The one wasmtime engine configuration, shared by the runtime and the compile workers.

A compiled artifact only loads into an engine configured the same way, so
the runtime (gui/runtime/host.py) and the compile worker processes
(gui/runtime/compile_worker.py) both make their engine here.
"""

from __future__ import annotations

import wasmtime


def create_engine() -> wasmtime.Engine:
    """An engine for Pumpkin components: component model, epoch deadlines, parallel compiles."""
    config = wasmtime.Config()
    config.wasm_component_model = True
    config.epoch_interruption = True
    config.parallel_compilation = True
    return wasmtime.Engine(config)
