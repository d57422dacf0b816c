"""dbct-sqlserver's start-up checks through its real ODBC path, with a PostgreSQL standing in for
SQL Server's catalog (no SQL Server can be installed here).

The stand-in is a table sys.databases in a test PostgreSQL, reached through psqlODBC: the first
prerequisite query (SELECT is_cdc_enabled, snapshot_isolation_state FROM sys.databases WHERE
name = ?) runs unchanged on it. That covers the sidecar's message and exit code for a database
without CDC and for a database that does not exist, end to end; the queries that follow it use
SQL Server functions and are not covered here.
"""

import os
import subprocess

import pytest

PSQLODBC = "/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so"

pytestmark = pytest.mark.skipif(not os.path.exists(PSQLODBC),
                                reason="psqlODBC (odbc-postgresql) is not installed")


@pytest.fixture
def sidecar(build_dir):
    path = os.path.join(build_dir, "dbct-sqlserver")
    if not os.path.exists(path):
        pytest.skip("dbct-sqlserver is not built")
    return path


def start(sidecar, tmp_path, server, database):
    (tmp_path / "odbcinst.ini").write_text(f"[PostgreSQL Test]\nDriver={PSQLODBC}\n")
    (tmp_path / "odbc.ini").write_text("")
    manifest = tmp_path / "ss.yaml"
    manifest.write_text(f"""apiVersion: weik.io/v1alpha1
kind: DatabaseChangeTracking
metadata: {{name: ss-prereq}}
spec:
  type: sqlserver
  parameters:
    databaseHostname: 127.0.0.1
    databasePort: "{server.port}"
    databaseUser: postgres
    databasePassword: pw-secret
    databaseDbname: {database}
    odbcDriver: "Driver={{PostgreSQL Test}};Server=127.0.0.1;Port={server.port};Database=postgres;BoolsAsChar=0"
""")
    env = dict(os.environ, ODBCSYSINI=str(tmp_path), ODBCINI=str(tmp_path / "odbc.ini"))
    return subprocess.run([sidecar, "-f", str(manifest)], capture_output=True, text=True, timeout=60, env=env)


def test_cdc_off_and_missing_database_are_named_with_the_fix(sidecar, postgres_server, tmp_path):
    postgres_server.execute("CREATE SCHEMA sys; CREATE TABLE sys.databases (name text, is_cdc_enabled boolean, "
                            "snapshot_isolation_state int); INSERT INTO sys.databases VALUES ('CRM', false, 1)")
    result = start(sidecar, tmp_path, postgres_server, "CRM")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == ['ERROR: CDC is not enabled on database "CRM": run USE [CRM]; EXEC sys.sp_cdc_enable_db; '
                     '(as sysadmin)'], result.stderr
    assert "pw-secret" not in result.stderr

    result = start(sidecar, tmp_path, postgres_server, "Shop")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        'ERROR: database "Shop" does not exist: check databaseDbname'], result.stderr
