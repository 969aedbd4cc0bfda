"""Small Pumpkin plugin components built from WAT, for testing the host.

No guest-language toolchain is needed: every fixture is a hand-written core
module (a WAT template in ``resources/wat/``) that imports only what it uses.
``wasm-tools component embed`` attaches a WIT world to it and ``wasm-tools
component new`` turns it into a component.

API
---
``build_fixture(name, **params) -> Path``
    Build (or return from the cache) the component for fixture ``name``.
    Common parameters: ``plugin_name`` (default: the fixture name),
    ``version`` ("0.1.0"), ``permissions`` (list of capability strings,
    default ``[]``). ``data-file`` also takes ``path`` ("data/hello.txt") and
    ``write_path`` ("data/out.txt").
``fixture_wat(name, **params) -> str``
    The generated core-module WAT text (for debugging a fixture).
``core_module_bytes() -> bytes``
    A plain core wasm module (the ``echo`` fixture before ``component new``),
    which must be rejected wherever a component is expected.
``FIXTURES``
    Fixture name -> one-line description.

Cache: ``<devkit cache>/wat/`` (see :func:`gui.devkit.devkit_cache_dir`),
one ``<name>-<key>.wasm`` per build, keyed by sha256 of the generated WAT, the
WIT given to wasm-tools, the wasm-tools version and the parameters. Files
are written to a temporary name and moved into place with ``os.replace``, so
concurrent builds (two pytest processes) are safe: the loser just replaces
the file with identical bytes.

Canonical-ABI facts the fixtures rely on (Pumpkin WIT from pumpkin-api-py
0.1.0; see ``_PUMPKIN_ABI``):

- ``handle-event(event-id, server, event) -> event``: the flattened params
  exceed 16 core values, so the host ``cabi_realloc``s a params tuple in guest
  memory and passes one i32 pointer ``p``: event-id u32 at ``p+0``, own<server>
  handle at ``p+4``, the ``event`` variant at ``p+8`` (variant: 273 cases, u16
  discriminant, payload at +8, size 592, align 8). The result (also > 1 flat
  value) is returned as a pointer to an ``event``; a pass-through handler simply
  returns ``p+8``.
- ``player-chat-event`` is case 3 of ``event`` and of ``event-type``; in
  ``player-chat-event-data`` player is at +0, message +4, recipients +12,
  signature +20, cancelled (bool) +32. So ``cancelled`` is at ``p+48``.
- ``on-load``/``on-unload`` return a pointer to ``result<_, string>`` (u8 tag at
  +0, string at +4); ``handle-command`` takes 4 flat i32 handles/ids and
  returns a pointer to ``result<s32, command-error>`` (u8 tag at +0, s32 at +4);
  ``get-metadata`` returns a pointer to the 48-byte ``plugin-metadata`` record.
- Every pointer-returning export has a ``cabi_post_*`` function that resets the
  guest's bump allocator, so memory does not grow per call.
- Well-behaved fixtures drop the own handles they receive (context in
  on-load/on-unload, server in handle-event/handle-task, sender/server/args in
  handle-command), as plugins built with wit-bindgen do.
- A fixture imports only the functions it calls, but every interface whose
  types the world's exports mention is still imported (types only: common,
  text, player, server, command, event, context, world, ...), and the world's
  ``use`` of resources adds root-level resource imports (``context``,
  ``server-instance``, ``command-sender``, ``consumed-args``, ``entity``,
  ``chunk-buffer``) that must be defined with the same host ResourceType as
  the interface's resource.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

from gui.devkit import devkit_cache_dir
from gui.devkit.wasm_tools import (
    pumpkin_wit_digest,
    pumpkin_wit_dir,
    run_wasm_tools,
    wasm_tools_version,
)
from gui.paths import atomic_write_bytes

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "resources" / "wat"

# Bump to invalidate every cached build after changing this module's output.
_FORMAT_VERSION = "1"

FIXTURES: dict[str, str] = {
    "echo": "well-behaved: logs, registers player-chat-event handler 1 and command ping (7)",
    "chat-cancel": "handler 1 for player-chat-event returns it with cancelled = true",
    "trap-on-load": "on-load executes unreachable",
    "trap-in-event": "handler 1 for player-chat-event executes unreachable",
    "spin-in-event": "handler 1 for player-chat-event loops forever",
    "spin-on-unload": "on-unload loops forever (a stop waits for it)",
    "memory-bomb": "handler 1 grows memory until memory.grow fails, then traps",
    "deep-recursion": "handler 1 recurses without a base case (stack overflow)",
    "host-error": "handler 1 calls scheduler.schedule-repeating-task(1, 0, 0)",
    "unimplemented-import": "handler 1 calls pumpkin:plugin/i18n.translate",
    "task-and-log": "on-load schedules repeating task 3 (delay 1, period 1); logs 'task ran'",
    "not-a-plugin": "a valid component of world example:other/other (export run: func() -> u32)",
    "future-major": "plugin surface of pumpkin:plugin@2.0.0",
    "unfired-event": "registers handler 1 for player-teleport-event (never fired here) "
                     "and handler 2 for player-chat-event",
    "data-file": "commands readfile (9) and writefile (10) using wasi:filesystem@0.2.0",
}

_EXTRA_PARAMS = {
    "data-file": {"path": "data/hello.txt", "write_path": "data/out.txt"},
    "echo": {"command": "ping"},
    "task-and-log": {"message": "task ran"},
}

# Canonical-ABI constants of pumpkin:plugin@0.1.0 (pumpkin-api-py 0.1.0), computed
# from `wasm-tools component wit --json` of its WIT and checked with wasmtime.
_PUMPKIN_ABI = {
    "LEVEL_INFO": 2,  # logging.level: trace, debug, info, warn, error
    "PRIORITY_NORMAL": 2,  # event.event-priority: highest, high, normal, low, lowest
    "EVENT_TYPE_PLAYER_CHAT": 3,  # event.event-type case index
    "EVENT_TYPE_PLAYER_TELEPORT": 7,
    "EVENT_CASE_PLAYER_CHAT": 3,  # event.event case index (u16 discriminant)
    "EVENT_OFFSET": 8,  # handle-event params tuple: u32, own<server>, event (align 8)
    "CHAT_CANCELLED_OFFSET": 8 + 8 + 32,  # event at +8, payload at +8, cancelled at +32
    "LOCALE_EN_US": 25,  # common.locale case index
}

# World exports of pumpkin:plugin@0.1.0 with their core signatures and the
# default body used when a fixture template does not define them.
_DEFAULT_EXPORTS_0_1 = {
    "init-plugin": ("", ""),
    "on-load": (
        "(param $ctx i32) (result i32)",
        "(call $drop_context (local.get $ctx)) (i32.const {RESULT_OK})",
    ),
    "on-unload": (
        "(param $ctx i32) (result i32)",
        "(call $drop_context (local.get $ctx)) (i32.const {RESULT_OK})",
    ),
    "handle-event": (
        "(param $args i32) (result i32)",
        "(call $drop_server (i32.load offset=4 (local.get $args)))\n"
        "    (i32.add (local.get $args) (i32.const {EVENT_OFFSET}))",
    ),
    "handle-command": (
        "(param $id i32) (param $sender i32) (param $server i32) (param $args i32) (result i32)",
        "(call $drop_sender (local.get $sender)) (call $drop_server (local.get $server))\n"
        "    (call $drop_args (local.get $args)) (i32.const {RESULT_OK_0})",
    ),
    "handle-task": (
        "(param $id i32) (param $server i32)",
        "(call $drop_server (local.get $server))",
    ),
    "handle-command-suggestion": (
        "(param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)",
        "unreachable",
    ),
    "handle-ipc-message": ("(param i32 i32 i32 i32) (result i32)", "unreachable"),
    "handle-ai-goal-can-start": ("(param i32 i32 i32) (result i32)", "unreachable"),
    "handle-ai-goal-should-continue": ("(param i32 i32 i32) (result i32)", "unreachable"),
    "handle-ai-goal-start": ("(param i32 i32 i32)", "unreachable"),
    "handle-ai-goal-tick": ("(param i32 i32 i32)", "unreachable"),
    "handle-ai-goal-stop": ("(param i32 i32 i32)", "unreachable"),
    "handle-generate-phase": ("(param i32 i32 i32)", "unreachable"),
}

_DEFAULT_EXPORTS_2_0 = {k: _DEFAULT_EXPORTS_0_1[k] for k in ("init-plugin", "on-load", "on-unload")}

_COMMON_IMPORTS_0_1 = """\
  ;; resource.drop builtins: no host function is needed for these.
  (import "pumpkin:plugin/context@0.1.0" "[resource-drop]context" (func $drop_context (param i32)))
  (import "pumpkin:plugin/server@0.1.0" "[resource-drop]server" (func $drop_server (param i32)))
  (import "pumpkin:plugin/command@0.1.0" "[resource-drop]command-sender"
    (func $drop_sender (param i32)))
  (import "pumpkin:plugin/command@0.1.0" "[resource-drop]consumed-args"
    (func $drop_args (param i32)))
"""

_COMMON_IMPORTS_2_0 = """\
  (import "pumpkin:plugin/context@2.0.0" "[resource-drop]context" (func $drop_context (param i32)))
"""

_COMMON_BODY = """\
  ;; ---- common part, generated by gui/devkit/wat_build.py ----
  (memory (export "memory") {MEMORY_PAGES})
  (global $heap (mut i32) (i32.const {HEAP_BASE}))
{DATA}
  ;; Bump allocator used by the host to lower strings, lists and the
  ;; handle-event params; reset by the cabi_post_* functions after each call.
  (func $cabi_realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $new_size)))
    (block $enough
      (loop $grow
        (br_if $enough
          (i32.le_u
            (i32.shr_u (i32.add (global.get $heap) (i32.const 65535)) (i32.const 16))
            (memory.size)))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
        (br $grow)))
    (if (local.get $old)
      (then
        (memory.copy (local.get $ptr) (local.get $old)
          (select (local.get $old_size) (local.get $new_size)
            (i32.lt_u (local.get $old_size) (local.get $new_size))))))
    (local.get $ptr))
  (func $alloc (param $align i32) (param $size i32) (result i32)
    (call $cabi_realloc (i32.const 0) (i32.const 0) (local.get $align) (local.get $size)))
  (func $reset_heap (global.set $heap (i32.const {HEAP_BASE})))
{METADATA_EXPORT}
{DEFAULT_EXPORTS}
  ;; ---- end of common part ----
"""

_PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")
_STR_ITEM = re.compile(r'"([^"]*)"|@([A-Za-z_][A-Za-z0-9_]*)')


class _Data:
    """Static data of a fixture, laid out from address 1024 upwards."""

    BASE = 1024

    def __init__(self) -> None:
        self.blob = bytearray()
        self._strings: dict[bytes, int] = {}

    def _place(self, data: bytes, align: int) -> int:
        while len(self.blob) % align:
            self.blob.append(0)
        ptr = self.BASE + len(self.blob)
        self.blob += data
        return ptr

    def string(self, text: str) -> tuple[int, int]:
        raw = text.encode()
        if raw not in self._strings:
            self._strings[raw] = self._place(raw, 1)
        return self._strings[raw], len(raw)

    def string_list(self, items: list[str]) -> tuple[int, int]:
        pairs = [self.string(s) for s in items]
        body = b"".join(p.to_bytes(4, "little") + n.to_bytes(4, "little") for p, n in pairs)
        return self._place(body, 4), len(pairs)

    def record(self, *words: int, align: int = 4, size: int | None = None) -> int:
        body = b"".join(w.to_bytes(4, "little", signed=w < 0) for w in words)
        return self._place(body.ljust(size or len(body), b"\0"), align)

    @property
    def end(self) -> int:
        return self.BASE + len(self.blob)

    def wat(self) -> str:
        escaped = "".join(f"\\{b:02x}" for b in self.blob)
        lines = [escaped[i : i + 96] for i in range(0, len(escaped), 96)] or [""]
        body = "\n    ".join(f'"{line}"' for line in lines)
        return f"  (data (i32.const {self.BASE})\n    {body})"


def _params(name: str, params: dict) -> dict:
    allowed = {"plugin_name": name, "version": "0.1.0", "permissions": []}
    allowed.update(_EXTRA_PARAMS.get(name, {}))
    unknown = set(params) - set(allowed)
    if unknown:
        raise TypeError(f"fixture {name!r} takes no parameter(s) {sorted(unknown)}")
    merged = {**allowed, **params}
    merged["permissions"] = [str(p) for p in merged["permissions"]]
    return merged


def _expand(text: str, data: _Data, consts: dict[str, object], params: dict) -> str:
    def strings(spec: str) -> list[str]:
        out = []
        for quoted, param in _STR_ITEM.findall(spec):
            out.append(str(params[param]) if param else quoted)
        return out

    def repl(m: re.Match) -> str:
        key = m.group(1).strip()
        if key.startswith("str "):
            (text_,) = strings(key[4:])
            ptr, n = data.string(text_)
        elif key.startswith("strlist "):
            ptr, n = data.string_list(strings(key[8:]))
        elif key in consts:
            return str(consts[key])
        else:
            raise KeyError(f"unknown placeholder {{{key}}} in fixture template")
        return f"(i32.const {ptr}) (i32.const {n})"

    lines = []
    for line in text.split("\n"):  # placeholders in ";;" comments stay as they are
        code, sep, comment = line.partition(";;")
        lines.append(_PLACEHOLDER.sub(repl, code) + sep + comment)
    return "\n".join(lines)


def _exported(template: str) -> set[str]:
    return set(re.findall(r'\(export "([^"]+)"\)', template))


def _default_exports(template: str, exports: dict[str, tuple[str, str]]) -> str:
    defined = _exported(template)
    out = []
    for export, (sig, body) in exports.items():
        if export not in defined:
            out.append(f'  (func (export "{export}") {sig}\n    {body})')
        if f"cabi_post_{export}" not in defined:
            params = "(param i32)" if "(result" in sig else ""
            out.append(f'  (func (export "cabi_post_{export}") {params} (call $reset_heap))')
    return "\n".join(out)


def _plugin_module(name: str, template: str, params: dict, api: str) -> str:
    data = _Data()
    p = params
    if api == "0.1.0":
        imports, exports = _COMMON_IMPORTS_0_1, _DEFAULT_EXPORTS_0_1
    else:
        imports, exports = _COMMON_IMPORTS_2_0, _DEFAULT_EXPORTS_2_0
    consts: dict[str, object] = dict(_PUMPKIN_ABI)
    # get-metadata returns a pointer to a static plugin-metadata record:
    # name, version, authors, description, dependencies, permissions (6 x ptr/len).
    fields = [
        *data.string(p["plugin_name"]),
        *data.string(p["version"]),
        *data.string_list(["tests"]),
        *data.string(f"Pumpkin Patch test fixture: {FIXTURES[name]}"),
        *data.string_list([]),
        *data.string_list(p["permissions"]),
    ]
    consts["METADATA"] = data.record(*fields)
    # result<_, string>::ok; result<s32, command-error>::ok(0) / ok(1)
    consts["RESULT_OK"] = data.record(0, 0, 0)
    consts["RESULT_OK_0"] = data.record(0, 0, size=20)
    consts["RESULT_OK_1"] = data.record(0, 1, size=20)
    metadata_export = (
        f'  (func (export "pumpkin:plugin/metadata@{api}#get-metadata") (result i32)\n'
        "    (i32.const {METADATA}))"
    )
    common = _COMMON_BODY.replace("{METADATA_EXPORT}", metadata_export)
    common = common.replace("{DEFAULT_EXPORTS}", _default_exports(template, exports))
    text = template.replace("{common_imports}", imports).replace("{common}", common)
    # Expand everything except the data/memory placeholders, which depend on
    # the final data size.
    late = {"DATA": "{DATA}", "HEAP_BASE": "{HEAP_BASE}", "MEMORY_PAGES": "{MEMORY_PAGES}"}
    text = _expand(text, data, {**consts, **late}, p)
    heap_base = (data.end + 15) // 16 * 16
    return _expand(
        text,
        data,
        {"DATA": data.wat(), "HEAP_BASE": heap_base, "MEMORY_PAGES": heap_base // 65536 + 1},
        p,
    )


def _template(name: str) -> str:
    return (FIXTURE_DIR / f"{name}.wat").read_text(encoding="utf-8")


def fixture_wat(name: str, **params) -> str:
    """The generated WAT text of fixture ``name``'s core module."""
    if name not in FIXTURES:
        raise KeyError(f"unknown fixture {name!r}; known: {', '.join(FIXTURES)}")
    p = _params(name, params)
    if name == "not-a-plugin":
        return _template(name)
    api = "2.0.0" if name == "future-major" else "0.1.0"
    return _plugin_module(name, _template(name), p, api)


def _world(name: str) -> tuple[str, dict[str, str], bool]:
    """(world, WIT files to write, whether Pumpkin's WIT is used) for fixture ``name``.

    With extra files, Pumpkin's WIT (when used) goes to ``deps/pumpkin-plugin/``.
    """

    def read(file: str) -> str:
        return (FIXTURE_DIR / file).read_text(encoding="utf-8")

    if name == "not-a-plugin":
        return "other", {"other.wit": read("other-world.wit")}, False
    if name == "future-major":
        return "plugin", {"plugin.wit": read("pumpkin-v2.wit")}, False
    if name == "data-file":
        files = {
            "data-file.wit": read("data-file-world.wit"),
            "deps/wasi-filesystem/filesystem.wit": read("wasi-filesystem-subset.wit"),
        }
        return "data-file", files, True
    if name == "memory-bomb":
        files = {
            "memory-bomb.wit": read("memory-bomb-world.wit"),
            "deps/wasi-io/io.wit": read("wasi-io-subset.wit"),
            "deps/wasi-cli/stderr.wit": read("wasi-cli-stderr-subset.wit"),
        }
        return "memory-bomb", files, True
    return "plugin", {}, True


def cache_dir() -> Path:
    path = devkit_cache_dir() / "wat"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_key(name: str, wat: str, params: dict) -> str:
    world, extra, uses_pumpkin = _world(name)
    h = hashlib.sha256()
    for part in (
        _FORMAT_VERSION,
        name,
        wat,
        wasm_tools_version(),
        json.dumps(params, sort_keys=True),
        world,
        json.dumps(extra, sort_keys=True),
        pumpkin_wit_digest() if uses_pumpkin else "",
    ):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:24]


def _build(name: str, wat: str, component: Path, core: Path) -> None:
    world, extra, uses_pumpkin = _world(name)
    with tempfile.TemporaryDirectory(prefix=f".build-{name}-", dir=component.parent) as tmp:
        work = Path(tmp)
        wit = work / "wit"
        if uses_pumpkin:
            shutil.copytree(pumpkin_wit_dir(), wit / "deps" / "pumpkin-plugin" if extra else wit)
        else:
            wit.mkdir()
        for rel, text in extra.items():
            (wit / rel).parent.mkdir(parents=True, exist_ok=True)
            (wit / rel).write_text(text, encoding="utf-8")
        (work / "core.wat").write_text(wat, encoding="utf-8")
        embedded = work / "embedded.wasm"
        out = work / "component.wasm"
        run_wasm_tools(
            "component",
            "embed",
            str(wit),
            "--world",
            world,
            str(work / "core.wat"),
            "-o",
            str(embedded),
        )
        run_wasm_tools("component", "new", str(embedded), "-o", str(out))
        run_wasm_tools("validate", str(out))
        atomic_write_bytes(core, embedded.read_bytes())
        atomic_write_bytes(component.with_suffix(".wat"), wat.encode())
        atomic_write_bytes(component, out.read_bytes())


def _paths(name: str, **params) -> tuple[Path, Path, str]:
    wat = fixture_wat(name, **params)
    key = _cache_key(name, wat, _params(name, params))
    base = cache_dir() / f"{name}-{key}"
    return base.with_suffix(".wasm"), base.with_suffix(".core.wasm"), wat


def build_fixture(name: str, **params) -> Path:
    """Build (or fetch from the cache) the component of fixture ``name``."""
    component, core, wat = _paths(name, **params)
    if not (component.is_file() and core.is_file()):
        _build(name, wat, component, core)
    return component


def core_module_bytes() -> bytes:
    """A valid core wasm module that is not a component (echo's core module)."""
    build_fixture("echo")
    _, core, _ = _paths("echo")
    return core.read_bytes()
