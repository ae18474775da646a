"""The README's commands are part of the product: they must work as written."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from supportkpi import demo

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[list[str]]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the Quickstart section has a bash block"
    commands = []
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("supportkpi "):
            commands.append(shlex.split(line))
    return commands


def test_readme_names_the_two_commands() -> None:
    assert "make demo" in README
    assert "make test" in README
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M)
    assert re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_quickstart_commands_run_as_written(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    commands = quickstart_commands()
    assert len(commands) >= 4
    exe = Path(sys.executable).with_name("supportkpi")
    for argv in commands:
        done = subprocess.run(
            [str(exe), *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
    assert (tmp_path / "supportkpi.duckdb").exists()
    assert (tmp_path / "tickets.csv").read_text(encoding="utf-8").startswith("ticket_id")


def test_python_api_block_runs_as_written(tmp_path: Path) -> None:
    section = README.split("## Python API", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "the Python API section has a python block"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    script = block.group(1) + (
        "\nassert len(frame) > 0 and {'kpi', 'stat', 'value'} <= set(frame.columns)"
        "\nassert tickets['ticket_id'].is_unique and len(tickets) == 25"
        "\nassert 'kind' in signals.columns"
        "\nprint('api ok')"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "api ok" in done.stdout


def test_demo_runs_end_to_end_and_is_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--store", str(tmp_path / "demo.duckdb"), "--data", str(tmp_path / "data"),
            "--report", str(tmp_path / "report.html"), "--days", "14"]  # fmt: skip
    assert demo.main(args) == 0
    first = capsys.readouterr().out
    assert (tmp_path / "data" / "truth.json").exists()
    assert "Europe/Berlin" in (tmp_path / "data" / "supportkpi.toml").read_text(encoding="utf-8")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    assert "Open the report" in first and "supportkpi serve" in first
    assert demo.main(args) == 0
    assert "already imported" in capsys.readouterr().out.lower()


def test_every_command_is_documented_in_the_readme() -> None:
    from supportkpi.cli import app

    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert len(names) >= 9
    for name in names:
        assert f"`supportkpi {name}" in README, f"'supportkpi {name}' is not in the README"


def test_every_linked_doc_exists() -> None:
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).is_file(), f"README links to a missing {link}"
