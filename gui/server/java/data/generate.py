"""Generate the per-version protocol tables from their source, npm ``minecraft-data``.

Run ``python -m gui.server.java.data.generate`` (needs Node.js's npm): it
installs the pinned ``minecraft-data`` into a temporary folder and writes,
for each version in :data:`VERSIONS`, a folder ``<protocol>/`` beside this
file with:

- ``protocol.json``: the version's name and number, and the packet ids by
  state and direction (``minecraft-data`` names, which are also the names the
  server code uses), and the command-argument parser ids;
- ``registries.json.gz``: the registries sent during configuration, in order,
  each entry's data in prismarine-nbt's JSON form (``{"type", "value"}``),
  from ``loginPacket.json``'s ``dimensionCodec``;
- ``blocks.json.gz``: per block: name, id, first/last/default state id,
  hardness, emitted light and filtered light;
- ``sounds.json.gz``: sound event names in registry order.

These are facts about the game, not code: the files name their source, and
are small (gzip). Adding a version is adding its line to :data:`VERSIONS`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE_PACKAGE = "minecraft-data@3.117.0"
VERSIONS = {"26.1": 775}  # minecraft-data's pc/<name> folder -> protocol number
HERE = Path(__file__).resolve().parent


def _write_gz(path: Path, value: object) -> None:
    data = json.dumps(value, separators=(",", ":"), sort_keys=False).encode()
    # mtime=0: the same input gives the same bytes (no noise in git).
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def _packet_ids(protocol: dict) -> dict:
    states: dict[str, dict[str, dict[str, int]]] = {}
    for state, body in protocol.items():
        if state == "types":
            continue
        for direction, key in (("toClient", "clientbound"), ("toServer", "serverbound")):
            packet = body[direction]["types"]["packet"]
            mappings = packet[1][0]["type"][1]["mappings"]
            states.setdefault(state, {})[key] = {
                name: int(hex_id, 16) for hex_id, name in mappings.items()}
    return states


def _parser_ids(protocol: dict) -> dict[str, int]:
    node = protocol["types"]["command_node"][1]
    extra = next(field for field in node if field["name"] == "extraNodeData")
    argument = extra["type"][1]["fields"]["2"][1]
    parser = next(field for field in argument if field["name"] == "parser")
    return {name: int(i) for i, name in parser["type"][1]["mappings"].items()}


def _property(state: dict) -> list:
    """``[name, value, ...]``: a block state property and its values in state-id order.

    minecraft-data lists no values for a bool property; the game orders them
    true, false (grass_block's snowy=true is its first state).
    """
    values = state.get("values") or (["true", "false"] if state["type"] == "bool" else
                                     [str(v) for v in range(state["num_values"])])
    return [state["name"], *values]


def generate(data_root: Path, version: str, protocol_number: int) -> Path:
    """Write the tables of ``version`` from ``data_root`` (minecraft-data's data/)."""
    src = data_root / "pc" / version
    declared = json.loads((src / "version.json").read_text())["version"]
    if declared != protocol_number:
        raise SystemExit(f"{src}/version.json says protocol {declared}, not {protocol_number}")
    out = HERE / str(protocol_number)
    out.mkdir(exist_ok=True)
    protocol = json.loads((src / "protocol.json").read_text())
    source = f"npm {SOURCE_PACKAGE}, data/pc/{version}"
    table = {"source": source, "name": version, "protocol": protocol_number,
             "packets": _packet_ids(protocol), "parsers": _parser_ids(protocol)}
    (out / "protocol.json").write_text(json.dumps(table, indent=1) + "\n")
    codec = json.loads((src / "loginPacket.json").read_text())["dimensionCodec"]
    registries = [{"id": body["id"], "entries": body["entries"]} for body in codec.values()]
    _write_gz(out / "registries.json.gz", {"source": source + "/loginPacket.json",
                                           "registries": registries})
    blocks = json.loads((src / "blocks.json").read_text())
    _write_gz(out / "blocks.json.gz", {
        "source": source + "/blocks.json",
        "columns": ["name", "id", "min_state", "max_state", "default_state", "hardness",
                    "emit_light", "filter_light", "solid", "transparent", "tool_required",
                    "properties"],
        "blocks": [[b["name"], b["id"], b["minStateId"], b["maxStateId"], b["defaultState"],
                    b["hardness"] if b["hardness"] is not None else -1.0,
                    b["emitLight"], b["filterLight"], b["boundingBox"] == "block",
                    b["transparent"], bool(b.get("harvestTools")),
                    [_property(state) for state in b.get("states", [])]] for b in blocks]})
    sounds = json.loads((src / "sounds.json").read_text())
    names = [sound["name"] for sound in sorted(sounds, key=lambda sound: sound["id"])]
    _write_gz(out / "sounds.json.gz", {"source": source + "/sounds.json", "sounds": names})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        help="minecraft-data's data/ folder (default: npm install it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data
        if root is None:
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", tmp,
                            SOURCE_PACKAGE], check=True)
            root = Path(tmp) / "node_modules" / "minecraft-data" / "minecraft-data" / "data"
        for version, number in VERSIONS.items():
            print(f"wrote {generate(root, version, number)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
