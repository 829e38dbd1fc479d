import json
import subprocess
import sys

from typer.testing import CliRunner

from helpers import event, write_csv
from genome.cli import app

runner = CliRunner()


def test_ingest_json_reports_the_counting_identity(tmp_path):
    path = write_csv(tmp_path / "f.csv", [event(event_id="1"), event(event_id="1"), event(channel="fax")])
    result = runner.invoke(app, ["ingest", str(path), "--db", str(tmp_path / "s.duckdb"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["accepted"], report["quarantined"], report["duplicates"], report["rows_read"]) == (1, 1, 1, 3)


def test_the_store_path_comes_from_genome_db(tmp_path, monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("GENOME_DB", str(tmp_path / "env.duckdb"))
    get_settings.cache_clear()
    try:
        path = write_csv(tmp_path / "f.csv", [event()])
        assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
        assert (tmp_path / "env.duckdb").exists()
    finally:
        get_settings.cache_clear()


def test_a_refused_file_gives_one_line_and_a_non_zero_exit(tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [event()], header=["occurred_at", "customer_ref"])
    # a real process, as a shell user would see it
    done = subprocess.run(
        [sys.executable, "-m", "genome.cli", "ingest", str(bad), "--db", str(tmp_path / "s.duckdb")],
        capture_output=True, text=True,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "genome: error: bad.csv: missing required column channel, event_type (nothing was ingested)"
    ]


def test_status_without_a_store_says_how_to_make_one(tmp_path):
    result = runner.invoke(app, ["status", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "genome demo" in result.output


def test_status_reports_the_store_size(tmp_path):
    db = str(tmp_path / "s.duckdb")
    runner.invoke(app, ["ingest", str(write_csv(tmp_path / "f.csv", [event(), event(channel="app")])), "--db", db])
    status = json.loads(runner.invoke(app, ["status", "--db", db, "--json"]).stdout)
    assert status["customers"] == 1 and status["events_by_channel"] == {"web": 1, "app": 1}


def test_build_genes_and_explain_work_from_the_command_line(tmp_path):
    db = str(tmp_path / "s.duckdb")
    rows = [event(event_id=str(i), event_type="purchase", amount="20", occurred_at=f"2025-06-{i + 1:02d}T10:00:00",
                  email="Jo.Doe@Example.com", phone="+1 312 555 0142", loyalty_id="L-77")
            for i in range(3)]
    runner.invoke(app, ["ingest", str(write_csv(tmp_path / "f.csv", rows)), "--db", db])
    built = runner.invoke(app, ["build", "--db", db])
    assert built.exit_code == 0, built.output
    listed = runner.invoke(app, ["genes", "--db", db, "--json"]).stdout

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    genes = json.loads(listed, parse_constant=refuse)["genes"]
    by_name = {g["name"]: g for g in genes}
    assert by_name["purchases_total"]["coverage"] == 1.0
    assert by_name["purchases_total"]["label"] == "Purchases, all time"
    assert by_name["purchases_total"]["sensitivity"] is None
    customer = json.loads(runner.invoke(app, ["status", "--db", db, "--json"]).stdout)
    assert customer["customers"] == 1
    from store.duck import connect
    con = connect(db, read_only=True)
    customer_id = con.execute("SELECT customer_id FROM customers").fetchone()[0]
    con.close()
    explained = runner.invoke(app, ["explain", customer_id, "purchases_total", "--db", db])
    assert explained.exit_code == 0
    assert "3 purchases" in explained.stdout
    for identifier in (" jo.doe@example.COM", "(312) 555-0142", "312.555.0142", "+13125550142", "L-77"):
        by_identifier = runner.invoke(app, ["explain", identifier, "purchases_total", "--db", db])
        assert by_identifier.exit_code == 0, by_identifier.output
        assert by_identifier.stdout == explained.stdout
    unknown = runner.invoke(app, ["explain", "nobody@example.com", "purchases_total", "--db", db])
    assert unknown.exit_code == 1 and unknown.stderr.startswith("genome: error: no customer has the identifier")


def test_genes_before_a_build_says_to_build(tmp_path):
    db = str(tmp_path / "s.duckdb")
    runner.invoke(app, ["ingest", str(write_csv(tmp_path / "f.csv", [event()])), "--db", db])
    result = runner.invoke(app, ["genes", "--db", db])
    assert result.exit_code == 1 and "genome build" in result.output


def test_a_build_while_another_process_holds_the_store_is_one_line(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    runner.invoke(app, ["ingest", str(write_csv(tmp_path / "f.csv", [event()])), "--db", str(db)])
    reader = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); print('ready', flush=True); "
        "time.sleep(60)"), str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        result = runner.invoke(app, ["build", "--db", str(db)])
        assert result.exit_code == 1
        assert result.stderr.startswith("genome: error: the store") and "in use by another process" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        reader.kill()
        reader.wait()
