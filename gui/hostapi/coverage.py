"""``plugin api-coverage``: which functions of Pumpkin's world (and ours) this host implements.

Reads the WIT files that pumpkin-api-py installs (``pumpkin_api/wit``) and
lists, per interface, every function in the spelling component imports use
(``[method]player.get-name``, ``[static]text-component.text``,
``[constructor]command``), marked implemented or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from gui.hostapi import implemented_functions
from gui.runtime.world import HOST_PACKAGE, PACKAGE

_INTERFACE = re.compile(r"^\s*interface\s+%?([a-z0-9-]+)\s*\{")
_RESOURCE = re.compile(r"^\s*resource\s+%?([a-z0-9-]+)\s*\{")
_FUNC = re.compile(r"^\s*%?([a-z0-9-]+)\s*:\s*(static\s+)?func\s*\(")
_CONSTRUCTOR = re.compile(r"^\s*constructor\s*\(")


@dataclass(frozen=True)
class InterfaceCoverage:
    interface: str
    functions: tuple[tuple[str, bool], ...]  # (name, implemented)

    @property
    def implemented(self) -> int:
        return sum(1 for _, done in self.functions if done)


def pumpkin_wit_dir() -> Path:
    return Path(str(resources.files("pumpkin_api") / "wit"))


def wit_functions(wit_dir: Path | None = None) -> dict[str, list[str]]:
    """Interface name -> its functions, read from the WIT sources."""
    found: dict[str, list[str]] = {}
    for path in sorted((wit_dir or pumpkin_wit_dir()).glob("*.wit")):
        interface: str | None = None
        resource: str | None = None
        depth = 0
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split("//", 1)[0]
            if (match := _INTERFACE.match(line)) and depth == 0:
                interface, depth = match[1], 1
                found.setdefault(interface, [])
                continue
            if interface is None:
                continue
            if (match := _RESOURCE.match(line)) and depth == 1:
                resource = match[1]
            elif resource and _CONSTRUCTOR.match(line):
                found[interface].append(f"[constructor]{resource}")
            elif match := _FUNC.match(line):
                name, static = match[1], bool(match[2])
                if resource and depth == 2:
                    kind = "static" if static else "method"
                    found[interface].append(f"[{kind}]{resource}.{name}")
                elif depth == 1:
                    found[interface].append(name)
            depth += line.count("{") - line.count("}")
            if depth == 1:
                resource = None
            if depth == 0:
                interface = None
    return found


def coverage_table(wit_dir: Path | None = None, *,
                   package: str = PACKAGE) -> list[InterfaceCoverage]:
    """Per interface of the WIT in ``wit_dir`` (Pumpkin's by default), what is implemented."""
    done = implemented_functions(package)
    table = []
    for interface, functions in sorted(wit_functions(wit_dir).items()):
        have = done.get(interface, set())
        table.append(InterfaceCoverage(interface, tuple((f, f in have) for f in functions)))
    return table


def render_text(table: list[InterfaceCoverage]) -> str:
    lines = []
    total = sum(len(row.functions) for row in table)
    done = sum(row.implemented for row in table)
    for row in table:
        if not row.functions:
            continue
        lines.append(f"{row.interface}: {row.implemented}/{len(row.functions)}")
        lines += [f"  [{'x' if ok else ' '}] {name}" for name, ok in row.functions if ok]
    lines.append(f"total: {done}/{total} functions implemented")
    return "\n".join(lines)


def render_markdown(table: list[InterfaceCoverage]) -> str:
    lines = ["| interface | implemented | functions implemented |", "|---|---|---|"]
    for row in table:
        if not row.functions:
            continue
        names = ", ".join(f"`{n}`" for n, ok in row.functions if ok) or "-"
        lines.append(f"| {row.interface} | {row.implemented}/{len(row.functions)} | {names} |")
    return "\n".join(lines)


# -- wit/README.md ---------------------------------------------------------------------
BEGIN = "<!-- generated: coverage {package} -->"
END = "<!-- end of generated table -->"


def readme_with_tables(text: str) -> str:
    """``text`` (wit/README.md) with each generated coverage table made anew.

    A table sits between ``<!-- generated: coverage PACKAGE -->`` and
    ``<!-- end of generated table -->``; PACKAGE is ``pumpkin:plugin``
    (Pumpkin's WIT from pumpkin-api-py) or ``pumpkin-patch:host`` (wit/).
    """
    from gui.devkit.wasm_tools import HOST_WIT_DIR

    sources = {PACKAGE: None, HOST_PACKAGE: HOST_WIT_DIR}
    for package, wit_dir in sources.items():
        begin = BEGIN.format(package=package)
        start = text.find(begin)
        if start < 0:
            continue
        stop = text.find(END, start)
        if stop < 0:
            raise ValueError(f"{begin} has no {END} after it")
        table = render_markdown(coverage_table(wit_dir, package=package))
        text = f"{text[:start]}{begin}\n{table}\n{text[stop:]}"
    return text


def main(argv: list[str] | None = None) -> int:
    """``python -m gui.hostapi.coverage --write``: refresh the tables of wit/README.md."""
    import argparse

    from gui.devkit.wasm_tools import HOST_WIT_DIR
    from gui.paths import atomic_write_text

    parser = argparse.ArgumentParser(prog="python -m gui.hostapi.coverage")
    parser.add_argument("--write", action="store_true", help="rewrite wit/README.md")
    args = parser.parse_args(argv)
    readme = HOST_WIT_DIR / "README.md"
    fresh = readme_with_tables(readme.read_text(encoding="utf-8"))
    if args.write:
        atomic_write_text(readme, fresh)
        print(f"wrote {readme}")
    else:
        print(fresh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
