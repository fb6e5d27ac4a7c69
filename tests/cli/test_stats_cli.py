"""``storesight stats`` and ``storesight heatmap`` on a small store with known numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.cli.main import main
from app.render import FOOTER, HEADER, MIN_WIDTH
from tests.cli_support import one_error_line, run_cli
from tests.fixtures_stats import H, W, build_store

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop' / 'storesight.db'}"
    build_store(url, tmp_path / "shop").close()
    return url


def section(out: str, title: str) -> str:
    """The lines of one printed table (up to the next blank line)."""
    start = out.index(title)
    end = out.find("\n\n", start)
    return out[start : end if end >= 0 else None]


def test_stats_prints_the_tables(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = run_cli(capsys, "stats", "--db", db, "--camera", "door")
    assert code == 0, err
    assert "period: 2026-11-20 11:00 – 13:31 (all data); times in Europe/Berlin" in out
    foot = section(out, "Footfall by hour")
    assert re.search(r"2026-11-20 11:00\s+3\s+1\n", foot)
    assert "2026-11-20 12:00" not in foot and "(1 hour without any crossing not shown)" in foot
    assert re.search(r"total\s+4\s+2\n", foot)
    assert re.search(r"Dairy\s+4\s+2026-11-20 11:00:20\s+5.0 s", section(out, "Occupancy peaks"))
    assert re.search(r"Dairy\s+5\s+40.0 s\s+30.0 s\s+1 min 16 s\s+1 min 40 s", section(out, "Dwell per zone"))
    assert re.search(r"Bakery\s+0\s+-\s+-\s+-\s+-", section(out, "Dwell per zone"))
    assert re.search(
        r"door\s+5\s+2 min 00 s\s+1 min 30 s\s+3 min 48 s", section(out, "Visits (time in store")
    )
    fun = section(out, "Funnel")
    assert re.search(r"\(any department\)\s+4\s+4\s+100 %\s+3\s+75 %", fun)
    assert re.search(r"Dairy\s+4\s+4\s+100 %\s+2\s+50 %", fun)
    assert re.search(r"Bakery\s+4\s+2\s+50 %\s+1\s+50 %", fun)


def test_stats_period_zone_and_role(capsys: pytest.CaptureFixture[str], db: str) -> None:
    # 11:20 Berlin up to the end of the hour: the 11:20 "in", the 11:40 "out", the 11:59:59 "in"
    code, out, _ = run_cli(
        capsys,
        "stats",
        "--db",
        db,
        "--camera",
        "door",
        "--zone",
        "entrance",
        "--from",
        "2026-11-20T11:20",
        "--to",
        "2026-11-20T12:00",
    )
    assert code == 0
    assert re.search(r"total\s+2\s+1$", section(out, "Footfall by hour"))
    code, out, _ = run_cli(capsys, "stats", "--db", db, "--camera", "door", "--role", "staff")
    assert code == 0 and "people: staff only" in out
    assert re.search(r"total\s+1\s+0$", section(out, "Footfall by hour"))
    # a date alone as --to means the end of that day
    code, out, _ = run_cli(capsys, "stats", "--db", db, "--from", "2026-11-20", "--to", "2026-11-20")
    assert code == 0 and "period: 2026-11-20 00:00 – 2026-11-21 00:00;" in out
    assert "door / Entrance in" in out and "back / Back door in" in out  # two cameras: camera names shown


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--camera", "nope"], 2, "no camera 'nope' in the database (cameras: back, door)"),
        (["--camera", "door", "--zone", "zz"], 2, "no zone 'zz'"),
        (["--from", "yesterday"], 2, "--from: 'yesterday' is not a date"),
        (["--from", "2026-11-21", "--to", "2026-11-20"], 2, "--from must be before --to"),
    ],
)
def test_stats_errors(
    capsys: pytest.CaptureFixture[str], db: str, args: list[str], code: int, message: str
) -> None:
    got, _, err = run_cli(capsys, "stats", "--db", db, *args)
    assert got == code
    assert message in one_error_line(err)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2027-01-01"],
            "no data: nothing recorded for any camera (customers (everyone not marked as staff))",
        ),
        (["--camera", "door", "--to", "2026-11-19"], "no data: nothing recorded for camera door"),
    ],
)
def test_stats_empty_period_is_no_data_not_an_error(
    capsys: pytest.CaptureFixture[str], db: str, args: list[str], message: str
) -> None:
    got, out, err = run_cli(capsys, "stats", "--db", db, *args)
    assert (got, err) == (0, "")
    assert message in out
    got, out, _ = run_cli(capsys, "stats", "--db", db, *args, "--json")
    assert got == 0 and json.loads(out)["no_data"] is True


def test_missing_database_file_is_not_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    code, _, err = run_cli(capsys, "stats", "--db", f"sqlite:///{missing}")
    assert code == 2 and "database file not found" in one_error_line(err)
    assert not missing.exists()


def picture(path: Path) -> np.ndarray:
    img = cv2.imread(str(path))
    assert img is not None, path
    return img


def test_heatmap_and_paths_pictures(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    png, paths = tmp_path / "out" / "heat.png", tmp_path / "out" / "paths.png"
    code, out, err = run_cli(
        capsys, "heatmap", "--db", db, "--camera", "door", "--png", str(png), "--paths", str(paths)
    )
    assert code == 0, err
    assert err == ""  # the background was found next to the database
    assert f"heatmap: {png}" in out and "paths:" in out and "1 tracks" in out
    scale = MIN_WIDTH / W
    expected = (HEADER + round(H * scale) + FOOTER, MIN_WIDTH, 3)
    heat = picture(png)
    assert heat.shape == expected
    area = heat[HEADER : HEADER + round(H * scale)]
    assert area.std() > 20  # a picture, not a flat colour
    # the hot block (cells 18–21 × 12–15 of 8 px) is red; a corner far from it shows the background
    hot = area[round(13.5 * 8 * scale), round(18.5 * 8 * scale)]  # left of the entrance line at x = 160
    assert hot[2] > 150 and hot[2] > hot[0] + 60, hot
    ah, aw = area.shape[:2]
    free = area[int(ah * 0.9), int(aw * 0.9)].astype(int)  # no zone, nobody there: the background shows
    np.testing.assert_allclose(free, [0.9 * 255, 0.9 * 255, 128], atol=12)
    assert not list(png.parent.glob(".*.tmp"))
    p = picture(paths)
    assert p.shape == expected and p[HEADER : HEADER + round(H * scale)].std() > 10


def test_heatmap_for_staff_and_an_empty_period(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    png = tmp_path / "staff.png"
    code, _, err = run_cli(
        capsys, "heatmap", "--db", db, "--camera", "door", "--role", "staff", "--png", str(png)
    )
    assert code == 0, err
    png.unlink()
    code, out, err = run_cli(
        capsys, "heatmap", "--db", db, "--camera", "door", "--from", "2026-12-01", "--png", str(png)
    )
    assert code == 0 and "no data: no heatmap data for camera door" in out  # an empty period is not an error
    assert not png.exists()  # and no picture claiming otherwise
    code, out, err = run_cli(capsys, "heatmap", "--db", db, "--camera", "back", "--png", str(png))
    assert code == 0 and "no data: no heatmap data for camera back" in out


def test_heatmap_errors(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where a folder should be: fails even for root
    code, _, err = run_cli(capsys, "heatmap", "--db", db, "--camera", "door", "--png", str(blocker / "h.png"))
    assert code == 2 and "--png: cannot create the folder" in one_error_line(err)
    code, _, err = run_cli(capsys, "heatmap", "--db", db, "--camera", "door", "--png", str(tmp_path))
    assert code == 2 and "is a folder" in one_error_line(err)
    code, _, err = run_cli(
        capsys, "heatmap", "--db", db, "--camera", "nope", "--png", str(tmp_path / "h.png")
    )
    assert code == 2 and "no camera 'nope'" in one_error_line(err)
    with pytest.raises(SystemExit) as e:  # argparse: --camera is required
        main(["heatmap", "--db", db, "--png", str(tmp_path / "h.png")])
    assert e.value.code == 2
    assert not (tmp_path / "h.png").exists()


def test_heatmap_without_background_warns_and_draws_on_grey(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'nobg.db'}"
    build_store(url, tmp_path, with_background=False).close()
    png = tmp_path / "h.png"
    code, _, err = run_cli(capsys, "heatmap", "--db", url, "--camera", "door", "--png", str(png))
    assert code == 0
    assert "warning: camera door has no background picture yet" in err
    assert picture(png).shape[1] == MIN_WIDTH
