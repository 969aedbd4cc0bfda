"""``pumpkin-patch backup create|list|restore|prune`` on a profile whose server is stopped."""

from __future__ import annotations

import json

from gui.cli import main


def test_backup_cli_create_list_restore_prune(paths, capsys):
    base = paths.config_dir.parent
    paths.server_dir.mkdir(parents=True)
    ops_file = paths.server_dir / "ops.json"
    ops_file.write_text('[{"uuid": "u", "name": "Alice", "level": 4}]')
    (paths.config_dir).mkdir(parents=True)
    (paths.config_file).write_text("[backups]\nkeep = 2\n")
    assert main(["--basedir", str(base), "backup", "create"]) == 0
    made = capsys.readouterr().out
    assert made.startswith("Made backup-")
    ops_file.write_text("[]")

    assert main(["--basedir", str(base), "backup", "list", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["reason"] == "manual"

    assert main(["--basedir", str(base), "backup", "restore", entry["name"]]) == 0
    out = capsys.readouterr().out
    assert "-before-restore.tar.gz" in out
    assert json.loads(ops_file.read_text())[0]["name"] == "Alice"

    assert main(["--basedir", str(base), "backup", "restore", "backup-19990101-000000"]) == 1
    assert "no backup called 'backup-19990101-000000'" in capsys.readouterr().err

    assert main(["--basedir", str(base), "backup", "prune", "--keep", "1"]) == 0
    assert "1 backup(s) deleted" in capsys.readouterr().out
    assert main(["--basedir", str(base), "backup", "list"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1
