"""What a run over a directory tells the reader: skipped lines with file:line, notes with their sessions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from toolkit.cli import app

from .conftest import REPO

SHAPES = REPO / "fixtures" / "transcripts"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def corpus(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "projects"
    folder.mkdir()
    for name in names:
        shutil.copy(SHAPES / name, folder / name)
    return folder


def test_a_directory_run_lists_each_skipped_line_with_file_and_line_and_warns_with_the_count(tmp_path):
    folder = corpus(tmp_path, "damaged.jsonl", "unknown-tools.jsonl")
    alone = json.loads(run("simulate", "run", str(folder / "damaged.jsonl"), "-f", "json").stdout)["skipped_lines"]
    text = run("simulate", "run", str(folder))
    assert text.exit_code == 0
    assert len(alone) == 11
    for entry in alone[:10]:
        assert f"  {folder / 'damaged.jsonl'}:{entry['line']}: {entry['reason']}" in text.stdout
    assert f"damaged.jsonl:{alone[10]['line']}:" not in text.stdout and "  ... 11 in all" in text.stdout
    assert text.stdout.rstrip().splitlines()[-1] == f"warning: {len(alone)} damaged line(s) skipped; --strict " \
                                                     "makes them errors"
    data = json.loads(run("simulate", "run", str(folder), "-f", "json").stdout)
    assert data["skipped_lines"] == len(alone)
    assert [(s["file"], s["line"], s["message"]) for s in data["skipped"]] == [
        (str(folder / "damaged.jsonl"), e["line"], e["reason"]) for e in alone]
    page = tmp_path / "r.html"
    run("simulate", "run", str(folder), "--html", str(page))
    html = page.read_text()
    assert f"Skipped lines (damaged, not replayed): {len(alone)}" in html and "cut off" in html


def test_the_text_shows_the_first_skipped_lines_and_the_full_count_while_json_keeps_them_all(tmp_path):
    folder = corpus(tmp_path, "unknown-tools.jsonl")
    source = (SHAPES / "unknown-tools.jsonl").read_text()
    (folder / "broken.jsonl").write_text(source + "{broken\n" * 30)
    text = run("simulate", "run", str(folder)).stdout
    listed = [line for line in text.splitlines() if line.startswith(f"  {folder / 'broken.jsonl'}:")]
    assert len(listed) == 10 and "  ... 30 in all (the first 30 in --format json and the HTML page)" in text
    data = json.loads(run("simulate", "run", str(folder), "-f", "json").stdout)
    assert data["skipped_lines"] == 30 and len(data["skipped"]) == 30


def test_unknown_tool_notes_name_the_sessions_they_come_from(tmp_path):
    folder = corpus(tmp_path, "unknown-tools.jsonl", "damaged.jsonl")
    shutil.copy(SHAPES / "unknown-tools.jsonl", folder / "again.jsonl")
    data = json.loads(run("simulate", "run", str(folder), "-f", "json").stdout)
    assert data["note_sessions"]["unknown_tool:HoloDeploy"] == {"sessions": 2,
                                                               "first": ["again.jsonl", "unknown-tools.jsonl"]}
    assert "    unknown_tool:HoloDeploy in again.jsonl, unknown-tools.jsonl" in run("simulate", "run",
                                                                                   str(folder)).stdout


def test_files_that_do_not_replay_are_failures_never_sessions_of_zero_calls(tmp_path):
    folder = corpus(tmp_path, "unknown-tools.jsonl", "empty.jsonl", "not-a-transcript.jsonl")
    (folder / "binary.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    data = json.loads(run("simulate", "run", str(folder), "-f", "json").stdout)
    assert data["files"] == 4 and data["sessions"] == 1 and data["replayed_files"] == 1
    assert data["failed"] == data["failed_files"] == 3 and data["exit_code"] == 2
    assert [row["session"] for row in data["sessions_top"]] == ["unknown-tools.jsonl"]
    assert sorted(Path(f["file"]).name for f in data["failures"]) == ["binary.jsonl", "empty.jsonl",
                                                                     "not-a-transcript.jsonl"]
    text = run("simulate", "run", str(folder)).stdout
    assert text.startswith("1 session(s) from 1 file(s), 3 file(s) failed  (policy")
    assert text.count("failed: ") == 3 and text.rstrip().endswith("FAIL: 3 file(s) failed")
    diff = json.loads(run("simulate", "diff", str(folder), "-f", "json").stdout)
    assert (diff["sessions"], diff["failed_files"]) == (1, 3)
    page = tmp_path / "r.html"
    run("simulate", "run", str(folder), "--html", str(page))
    assert "<b>3</b>failed files" in page.read_text()


def test_the_page_lists_each_note_with_the_sessions_it_comes_from(tmp_path):
    folder = corpus(tmp_path, "unknown-tools.jsonl")
    page = tmp_path / "r.html"
    run("simulate", "run", str(folder), "--html", str(page))
    html = page.read_text()
    assert "<td>unknown_tool:HoloDeploy</td><td class=\"n\">2</td><td class=\"n\">1</td><td>unknown-tools.jsonl</td>" \
        in html
