"""The ``import`` and ``info`` commands: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportkpi.cli import EXIT_OUT_OF_MEMORY, main
from supportkpi.store import open_store
from supportkpi.store.store import Store


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "tickets.csv").write_text(
        "ticket_id,created_at,channel,customer_id\n"
        "T-1,2026-03-02 09:00,email,C-1\n"
        "T-2,2026-03-02 10:00,emial,C-2\n",
        encoding="utf-8",
    )
    return data


def test_import_prints_summary_and_examples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "s.duckdb")
    code, out, _ = _run(["import", str(_data(tmp_path)), "--store", store], capsys)
    assert code == 0
    assert "Import 1 (timestamps without offset read in UTC)" in out
    assert "│ tickets │    2 │        1 │       0 │       0 │        1 │" in out
    assert "│ unknown value │    1 │" in out
    assert f"{tmp_path}/data/tickets.csv:3: channel: unknown channel 'emial' (did you mean " \
        "'email'?)" in out  # fmt: skip
    assert "more" not in out  # the one reject is shown
    again = str(tmp_path / "again.duckdb")
    code, out, _ = _run(
        ["import", str(tmp_path / "data"), "--store", again, "--show-rejects", "0"], capsys
    )
    assert "  ... 1 more (--show-rejects N shows more)" in out
    code, out, _ = _run(["import", str(tmp_path / "data"), "--store", store], capsys)
    assert code == 0
    assert "Already imported: every file has been imported before; nothing written." in out


def test_import_names_the_columns_it_leaves_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tickets.csv").write_text(
        "Ticket ID,Created at,channel,customer_id,cretaed_by,status\n"
        "T-1,2026-03-02 09:00,email,C-1,agent,open\n",
        encoding="utf-8",
    )
    store = str(tmp_path / "s.duckdb")
    code, out, _ = _run(["import", str(tmp_path / "tickets.csv"), "--store", store], capsys)
    assert code == 0
    assert "│ tickets │    1 │        1 │       0 │       0 │        0 │" in out
    assert "Columns not imported (see docs/data-model.md for each table's columns):" in out
    assert f"  {tmp_path}/tickets.csv: cretaed_by (did you mean created_by?), status (a column " \
        "of the events table, not of tickets)\n" in out  # fmt: skip
    code, out, _ = _run(["import", str(_data(tmp_path)), "--store", store], capsys)
    assert code == 0
    assert "Columns not imported" not in out


def test_import_reads_the_config_in_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "supportkpi.toml").write_text(
        '[source]\ntimezone = "Europe/Berlin"\n'
        '[source.columns.tickets]\ncustomer_id = "Requester"\n',
        encoding="utf-8",
    )
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at,channel,requester\nT-1,2026-03-02 09:00,email,C-1\n",
        encoding="utf-8",
    )
    code, out, _ = _run(["import", "tickets.csv", "--store", "s.duckdb"], capsys)
    assert code == 0
    assert "Import 1 (timestamps without offset read in Europe/Berlin)" in out
    assert "Columns not imported" not in out
    code, out, _ = _run(["import", "tickets.csv", "--store", "s.duckdb", "--tz", "UTC"], capsys)
    assert "Import 2 (timestamps without offset read in UTC)" in out
    assert "│ tickets │    1 │        0 │       1 │       0 │        0 │" in out
    with open_store("s.duckdb") as store:
        rows = store.con.con.execute(
            "SELECT customer_id, epoch(created_at) FROM tickets"
        ).fetchall()
    assert rows == [("C-1", 1772442000.0)]  # 2026-03-02T09:00Z, read in UTC the second time
    (tmp_path / "supportkpi.toml").write_text('[source]\ntimezone = "Mars/Base"\n', "utf-8")
    code, _, err = _run(["import", "tickets.csv", "--store", "s.duckdb"], capsys)
    assert code == 2
    assert err.startswith("error: supportkpi.toml, key 'source.timezone': unknown time zone")


def test_values_with_brackets_are_shown_as_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at,channel,customer_id,team\n"
        "[urgent] T-9,2026-03-02 09:00,email,C-1,[tier1]\n",
        encoding="utf-8",
    )
    store = str(tmp_path / "s.duckdb")
    assert _run(["import", str(tmp_path / "tickets.csv"), "--store", store], capsys)[0] == 0
    code, out, _ = _run(["tickets", "--store", store], capsys)
    assert code == 0 and "[urgent] T-9 " in out
    code, out, _ = _run(["kpis", "--store", store, "--by", "team", "--kpi", "tickets_created"],
                        capsys)  # fmt: skip
    assert code == 0 and "[tier1]  Tickets created" in out
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "tickets.csv").write_text("ticket_id,created_at,channel\n", "utf-8")
    code, _, err = _run(["import", str(tmp_path / "b" / "tickets.csv"), "--store", store], capsys)
    assert code == 2 and "mapped to them in the config's [source.columns.tickets])" in err


def test_a_failed_import_leaves_no_new_store_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "new.duckdb"
    code, _, err = _run(
        ["import", str(_data(tmp_path)), "--store", str(store), "--tz", "Europe/Berln"], capsys
    )
    assert code == 2 and err.startswith("error: unknown time zone 'Europe/Berln'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert _run(["import", str(tmp_path / "data"), "--store", str(store)], capsys)[0] == 0
    code, _, _ = _run(
        ["import", str(tmp_path / "data"), "--store", str(store), "--tz", "Mars/Base"], capsys
    )
    assert code == 2 and store.exists()  # a store that was there stays


def test_strict_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s.duckdb")
    code, _, err = _run(["import", str(_data(tmp_path)), "--store", store, "--strict"], capsys)
    assert code == 2
    assert err.startswith("error: 1 row(s) rejected, nothing imported; first: ")
    assert err.count("\n") == 1


def test_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s.duckdb")
    data = str(_data(tmp_path))
    code, _, err = _run(["import", data, "--store", store, "--tz", "Nowhere/City"], capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert err.startswith("error: unknown time zone 'Nowhere/City'")
    code, _, err = _run(["import", str(tmp_path / "missing.csv"), "--store", store], capsys)
    assert code == 2
    assert err == (f"error: {tmp_path}/missing.csv: no such file or folder (fix: check the path)\n")
    code, _, err = _run(["info", "--store", str(tmp_path / "none.duckdb")], capsys)
    assert code == 2
    assert err.startswith(f"error: no store at {tmp_path}/none.duckdb (fix: import data first")


def test_engine_out_of_memory_is_one_line_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    def exhausted(*args: object, **kwargs: object) -> None:
        raise duckdb.OutOfMemoryException(
            "Out of Memory Error: failed to pin block of size 256.0 KiB [953.8 MiB used]\n\n"
            "Possible solutions:\n* Reducing the number of threads (SET threads=X)"
        )

    monkeypatch.setattr(Store, "import_files", exhausted)
    store = str(tmp_path / "s.duckdb")
    code, _, err = _run(["import", str(_data(tmp_path)), "--store", store], capsys)
    assert code == EXIT_OUT_OF_MEMORY
    assert err == (
        "error: the database engine ran out of memory: Out of Memory Error: failed to pin "
        "block of size 256.0 KiB [953.8 MiB used] (fix: free memory or use a machine with "
        "more; an import that stops here leaves the store as it was)\n"
    )


def test_info_json_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s.duckdb")
    _run(["import", str(_data(tmp_path)), "--store", store, "--tz", "Europe/Berlin"], capsys)
    code, out, _ = _run(["info", "--store", store, "--format", "json"], capsys)
    assert code == 0
    info = json.loads(out)
    assert info["tables"]["tickets"] == 1
    assert info["tickets_from"] == "2026-03-02T08:00:00Z"
    assert info["source_time_zones"] == ["Europe/Berlin"]
    assert info["rejects"] == 1
    code, out, _ = _run(["info", "--store", store], capsys)
    assert code == 0
    assert f"Store: {store}\n" in out  # on its own line, not wrapped into a table title
    assert "tickets by channel: email 1" in out
    assert "imports: 1, rejected rows: 1" in out
    code, _, err = _run(["info", "--store", store, "--format", "xml"], capsys)
    assert code == 2
    assert err == "error: unknown format 'xml' (fix: use --format table or --format json)\n"


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["import", "--help"], capsys)
    assert code == 0
    assert "Validate and import support data" in out
    assert "--show-rejects" in out
    code, out, _ = _run(["info", "--help"], capsys)
    assert code == 0
    assert "Show what a store holds" in out


def test_the_command_list_gives_each_summary_as_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run(["--help"], capsys)
    assert code == 0
    # report's docstring breaks its first paragraph over two lines; the list does not
    line = next(line for line in out.splitlines() if "│ report " in line)
    assert "--out writes the full HTML report (self-contained, works offline)." in line
    for command in ("sla", "signals"):
        line = next(line for line in out.splitlines() if f"│ {command} " in line)
        assert line.rstrip(" │").endswith(".")
