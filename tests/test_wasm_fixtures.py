"""Fast checks of the WAT-built plugin fixtures (behaviour is tested by the host tests)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import wasmtime
from wasmtime.component import (
    Component,
    ComponentInstanceType,
    FuncType,
    Linker,
    ResourceType,
)

from gui.devkit import wat_build as wf
from gui.devkit.wasm_tools import wasm_tools as wasm_tools_binary

P = "pumpkin:plugin/{}@0.1.0"
WASI = "wasi:filesystem/{}@0.2.0"
REGISTER_EVENT = {P.format("context"): {"[method]context.register-event"}}
COMMANDS = {
    P.format("context"): {"[method]context.register-command"},
    P.format("command"): {
        "[constructor]command",
        "[method]command.execute-with-handler-id",
        "[method]command-sender.send-message",
    },
    P.format("text"): {"[static]text-component.text"},
}

# Host functions each fixture imports (interfaces imported only for their
# types are left out).
EXPECTED_FUNCTIONS: dict[str, dict[str, set[str]]] = {
    "echo": {
        P.format("logging"): {"log"},
        P.format("context"): {
            "[method]context.register-event",
            "[method]context.register-command",
        },
        **{k: v for k, v in COMMANDS.items() if k != P.format("context")},
    },
    "chat-cancel": REGISTER_EVENT,
    "trap-on-load": {},
    "trap-in-event": REGISTER_EVENT,
    "unfired-event": REGISTER_EVENT,
    "spin-in-event": REGISTER_EVENT,
    "spin-on-unload": {},
    "memory-bomb": {
        **REGISTER_EVENT,
        "wasi:cli/stderr@0.2.0": {"get-stderr"},
        "wasi:io/streams@0.2.0": {"[method]output-stream.blocking-write-and-flush"},
    },
    "deep-recursion": REGISTER_EVENT,
    "host-error": {**REGISTER_EVENT, P.format("scheduler"): {"schedule-repeating-task"}},
    "unimplemented-import": {**REGISTER_EVENT, P.format("i18n"): {"translate"}},
    "task-and-log": {
        P.format("logging"): {"log"},
        P.format("scheduler"): {"schedule-repeating-task"},
    },
    "not-a-plugin": {},
    "future-major": {},
    "data-file": {
        **COMMANDS,
        WASI.format("preopens"): {"get-directories"},
        WASI.format("types"): {
            "[method]descriptor.open-at",
            "[method]descriptor.read",
            "[method]descriptor.write",
        },
    },
}

PLUGIN_EXPORTS = {
    "init-plugin",
    "on-load",
    "on-unload",
    "handle-event",
    "handle-command",
    "handle-command-suggestion",
    "handle-task",
    "handle-ipc-message",
    "handle-ai-goal-can-start",
    "handle-ai-goal-should-continue",
    "handle-ai-goal-start",
    "handle-ai-goal-tick",
    "handle-ai-goal-stop",
    "handle-generate-phase",
    "pumpkin:plugin/metadata@0.1.0",
}
EXPECTED_EXPORTS = {
    "not-a-plugin": {"run"},
    "future-major": {"init-plugin", "on-load", "on-unload", "pumpkin:plugin/metadata@2.0.0"},
}


@pytest.fixture(scope="module")
def engine() -> wasmtime.Engine:
    return wasmtime.Engine()


def wasm_tools(*args: str) -> str:
    proc = subprocess.run([wasm_tools_binary(), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def imported_functions(component: Component, engine: wasmtime.Engine) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, item in component.type.imports(engine).items():
        ty = item.ty
        if isinstance(ty, ComponentInstanceType):
            funcs = {f for f, sub in ty.exports(engine).items() if isinstance(sub.ty, FuncType)}
            if funcs:
                out[name] = funcs
    return out


def test_every_fixture_is_tested() -> None:
    assert set(EXPECTED_FUNCTIONS) == set(wf.FIXTURES)


@pytest.mark.parametrize("name", list(wf.FIXTURES))
def test_fixture_builds_validates_and_loads(name: str, engine: wasmtime.Engine) -> None:
    path = wf.build_fixture(name)
    assert path.is_file()
    wasm_tools("validate", str(path))
    component = Component(engine, path.read_bytes())
    assert imported_functions(component, engine) == EXPECTED_FUNCTIONS[name]
    exports = set(component.type.exports(engine))
    assert exports == EXPECTED_EXPORTS.get(name, PLUGIN_EXPORTS)


def test_plugin_world_seen_by_wasm_tools() -> None:
    wit = wasm_tools("component", "wit", str(wf.build_fixture("echo")))
    assert "export on-load: func(context: context) -> result<_, string>;" in wit
    assert "export pumpkin:plugin/metadata@0.1.0;" in wit
    assert "import pumpkin:plugin/logging@0.1.0;" in wit
    assert "import pumpkin:plugin/scheduler@0.1.0;" not in wit


def test_second_build_comes_from_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PUMPKIN_PATCH_TEST_CACHE", str(tmp_path))
    first = wf.build_fixture("echo", plugin_name="cached")
    assert first.parent == tmp_path / "wat"
    stamp = first.stat().st_mtime_ns

    def no_rebuild(*args, **kwargs):
        raise AssertionError("fixture was rebuilt")

    monkeypatch.setattr(wf, "_build", no_rebuild)
    assert wf.build_fixture("echo", plugin_name="cached") == first
    assert first.stat().st_mtime_ns == stamp
    with pytest.raises(AssertionError, match="rebuilt"):
        wf.build_fixture("echo", plugin_name="other")  # other params, other key


def test_parallel_builds_agree(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PUMPKIN_PATCH_TEST_CACHE", str(tmp_path))
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: wf.build_fixture("future-major"), range(4)))
    assert len(set(paths)) == 1
    wasm_tools("validate", str(paths[0]))
    leftovers = [p.name for p in (tmp_path / "wat").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_metadata_comes_from_params(engine: wasmtime.Engine) -> None:
    # future-major imports nothing but a resource type, so it instantiates with
    # a two-line linker; its metadata code is the same as the 0.1.0 fixtures'.
    path = wf.build_fixture(
        "future-major", plugin_name="meta", version="1.2.3", permissions=["fs.read.data", "x"]
    )
    linker = Linker(engine)
    with linker.root() as root, root.add_instance("pumpkin:plugin/context@2.0.0") as ctx:
        ctx.add_resource("context", ResourceType.host(1), lambda store, rep: None)
    store = wasmtime.Store(engine)
    instance = linker.instantiate(store, Component(engine, path.read_bytes()))
    iface = instance.get_export_index(store, "pumpkin:plugin/metadata@2.0.0")
    func = instance.get_func(store, instance.get_export_index(store, "get-metadata", iface))
    meta = func(store)
    assert meta.name == "meta"
    assert meta.version == "1.2.3"
    assert meta.authors == ["tests"]
    assert meta.dependencies == []
    assert meta.permissions == ["fs.read.data", "x"]


def test_core_module_is_not_a_component(engine: wasmtime.Engine) -> None:
    raw = wf.core_module_bytes()
    assert raw[:8] == b"\0asm\x01\0\0\0"  # core module, version 1
    wasmtime.Module.validate(engine, raw)
    with pytest.raises(wasmtime.WasmtimeError):
        Component(engine, raw)


def test_bad_names_and_params() -> None:
    with pytest.raises(KeyError):
        wf.build_fixture("no-such-fixture")
    with pytest.raises(TypeError):
        wf.build_fixture("echo", colour="red")
    with pytest.raises(TypeError):
        wf.build_fixture("echo", path="data/x")  # only data-file takes a path
