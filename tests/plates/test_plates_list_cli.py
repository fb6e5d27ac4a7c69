"""``storesight plates list show|add|remove``: the plate lists edited in the site config file."""

from __future__ import annotations

import json
from pathlib import Path

from app.config import load_config
from tests.cli_support import one_error_line, run_cli

SITE = """version: 1
# my parking
site:
  name: Parking
cameras:
  - id: gate   # the entry gate
    source: rtsp://example.invalid/gate
    modules:
      plates:
        enabled: true
        deny: [А123ВС77]
  - id: hall
    source: rtsp://example.invalid/hall
"""


def _site(tmp_path: Path) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(SITE, encoding="utf-8")
    return path


def test_lists_are_edited_in_the_config_file_keeping_its_comments(tmp_path, capsys):
    path = _site(tmp_path)
    cfg = str(path)
    code, out, _ = run_cli(capsys, "plates", "list", "show", "--config", cfg)
    assert code == 0 and out == "gate\tА123ВС77\tdeny\n"  # the only camera reading plates

    code, out, err = run_cli(
        capsys, "plates", "list", "add", "watch", "b 456 kx 199", "--note", "supplier truck", "--config", cfg
    )
    assert code == 0 and out == "gate: В456КХ199 on the watch list\n" and "saved" in err
    code, out, _ = run_cli(capsys, "plates", "list", "add", "allow", "a123bc77", "--config", cfg)  # moves it
    assert code == 0
    plates = load_config(path).cameras[0].modules.plates
    assert (plates.deny, plates.watch, plates.allow) == ([], ["В456КХ199"], ["А123ВС77"])
    assert plates.notes == {"В456КХ199": "supplier truck"}
    text = path.read_text(encoding="utf-8")
    assert "# my parking" in text and "# the entry gate" in text  # written as a change, not rewritten

    # Another camera: only what differs from the defaults is written for it.
    code, _, _ = run_cli(
        capsys, "plates", "list", "add", "deny", "Х001ХХ99", "--camera", "hall", "--config", cfg
    )
    assert code == 0 and load_config(path).cameras[1].modules.plates.deny == ["Х001ХХ99"]
    hall = path.read_text(encoding="utf-8").split("- id: hall")[1]
    assert "deny: [Х001ХХ99]" in hall and "footfall" not in hall and "enabled" not in hall

    code, out, _ = run_cli(capsys, "plates", "list", "show", "--camera", "gate", "--config", cfg, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [
        {"camera": "gate", "plate": "В456КХ199", "list": "watch", "note": "supplier truck"},
        {"camera": "gate", "plate": "А123ВС77", "list": "allow", "note": ""},
    ]

    code, out, err = run_cli(capsys, "plates", "list", "remove", "В456КХ199", "Х777ХХ77", "--camera", "gate", "--config", cfg)  # fmt: skip
    assert code == 0 and out == "gate: removed В456КХ199\n" and "on no list of gate: Х777ХХ77" in err
    plates = load_config(path).cameras[0].modules.plates
    assert plates.watch == [] and plates.notes == {}  # the note went with the plate


def test_list_errors_are_one_line_and_write_nothing(tmp_path, capsys):
    path = _site(tmp_path)
    cfg = str(path)
    code, _, err = run_cli(capsys, "plates", "list", "add", "deny", "A123BC00", "--config", cfg)
    assert code == 2 and "not a Russian licence plate" in one_error_line(err)
    code, _, err = run_cli(capsys, "plates", "list", "add", "deny", "А123ВС77", "--config", cfg)
    assert code == 1 and "already on the deny list of gate" in one_error_line(err)
    code, _, err = run_cli(capsys, "plates", "list", "remove", "Х777ХХ77", "--config", cfg)
    assert code == 1 and "on no list" in one_error_line(err)
    code, _, err = run_cli(capsys, "plates", "list", "show", "--camera", "nope", "--config", cfg)
    assert code == 2 and "no camera 'nope'" in one_error_line(err)
    code, _, err = run_cli(capsys, "plates", "list", "show", "--config", str(tmp_path / "missing.yaml"))
    assert code == 2 and one_error_line(err)
    code, _, err = run_cli(capsys, "plates", "list")
    assert code == 2 and "give an action: show, add or remove" in one_error_line(err)
    assert path.read_text(encoding="utf-8") == SITE and not list(tmp_path.glob("*.tmp"))
