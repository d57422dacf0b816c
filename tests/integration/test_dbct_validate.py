"""`dbct validate` run as a user runs it: the eleven example resources and bad input (SPEC §9, §10).

The binary is $DBCT_BUILD_DIR/dbct (default <repo>/build/dbct).
"""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("DBCT_BUILD_DIR", REPO / "build"))
DBCT = BUILD_DIR / "dbct"
EXAMPLES = REPO / "manifests" / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))

SYS_REFERENCE = re.compile(r"\{\{\s*sys:([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def env_without(names):
    """The test's environment less the named variables (and less NATS_URL, for stable output)."""
    env = {k: v for k, v in os.environ.items() if k not in names and k != "NATS_URL"}
    return env


def dbct(*args, env=None, stdin=None):
    assert DBCT.exists(), f"{DBCT} is missing: build it first (cmake --build build)"
    return subprocess.run([str(DBCT), *map(str, args)], capture_output=True, text=True,
                          env=env if env is not None else env_without(()), input=stdin,
                          timeout=30)


def referenced_env_vars(path):
    return sorted(set(SYS_REFERENCE.findall(path.read_text())))


def resource(name="orders", parameters="", extra=""):
    return (
        "apiVersion: weik.io/v1alpha1\n"
        "kind: DatabaseChangeTracking\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        "  type: postgres\n"
        "  parameters:\n"
        "    databaseHostname: db.example.com\n"
        "    databaseDbname: shop\n"
        "    databaseUser: app\n"
        f"{parameters}{extra}"
    )


def write(tmp_path, text, name="resource.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_there_are_eleven_examples():
    assert len(EXAMPLE_FILES) == 11, [p.name for p in EXAMPLE_FILES]


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_validates_with_its_environment(example):
    names = referenced_env_vars(example)
    env = env_without(names)
    env.update({name: f"value-of-{name.lower()}" for name in names})
    result = dbct("validate", "-f", example, env=env)
    assert result.returncode == 0, result.stderr
    assert example.stem in result.stdout
    assert "1 resource valid" in result.stdout
    # Secrets are masked in the listing.
    for name in names:
        if "PASSWORD" in name or "URI" in name:
            assert f"value-of-{name.lower()}" not in result.stdout


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_without_its_environment_names_each_missing_variable(example):
    names = referenced_env_vars(example)
    result = dbct("validate", "-f", example, env=env_without(names))
    if not names:  # nothing to miss: it stays valid
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2, result.stdout
    for name in names:
        assert f'environment variable "{name}" is not set' in result.stderr, result.stderr
    # Each problem names the file, the line and the resource.
    for line in result.stderr.splitlines()[:-1]:
        assert re.match(rf"{re.escape(str(example))}:\d+: resource \"{example.stem}\": ", line), line


def test_whole_examples_directory(tmp_path):
    names = sorted({n for p in EXAMPLE_FILES for n in referenced_env_vars(p)})
    env = env_without(names)
    env.update({name: "x" for name in names})
    result = dbct("validate", "-f", EXAMPLES, env=env)
    assert result.returncode == 0, result.stderr
    assert "11 resources valid" in result.stdout

    result = dbct("-o", "json", "validate", "-f", EXAMPLES, env=env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["valid"] is True
    assert len(document["resources"]) == 11
    for item in document["resources"]:
        for key, value in item["parameters"].items():
            if "password" in key.lower() or "connectionstring" in key.lower():
                assert value == "******", (item["name"], key)


def test_json_output_lists_problems(tmp_path):
    path = write(tmp_path, resource(parameters="    tableIncludelist: public.orders\n"))
    result = dbct("validate", "-f", path, "-o", "json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert document["resources"] == []
    [problem] = document["problems"]
    assert problem["file"] == str(path)
    assert problem["line"] == 11
    assert problem["resource"] == "orders"
    assert "did you mean tableIncludeList?" in problem["message"]


BAD_INPUTS = {
    "malformed_yaml": (
        "apiVersion: weik.io/v1alpha1\nkind: DatabaseChangeTracking\nmetadata:\n  name: x\n"
        "spec:\n  type: postgres\n  parameters: {databaseHostname: h\n",
        r":[78]: malformed YAML"),
    "unknown_type": (
        resource().replace("type: postgres", "type: postgresql"),
        r':6: resource "orders": unknown type "postgresql"; use one of postgres, mysql, '
        r"sqlserver, oracle, mongodb \(did you mean postgres\?\)"),
    "unknown_parameter": (
        resource(parameters="    tableIncludelist: public.orders\n"),
        r':11: resource "orders": unknown parameter "tableIncludelist" for type postgres; '
        r"did you mean tableIncludeList\?"),
    "unsupported_debezium_parameter": (
        resource(parameters="    topicPrefix: shop\n"),
        r':11: resource "orders": parameter "topicPrefix" is a Debezium property that dbct '
        r"does not support"),
    "missing_required": (
        resource().replace("    databaseUser: app\n", ""),
        r'resource "orders": missing required parameter databaseUser for type postgres'),
    "invalid_name": (
        resource(name="Orders_2024"),
        r':4: resource "Orders_2024": metadata.name "Orders_2024" is not valid'),
    "duplicate_name": (
        resource() + "---\n" + resource(),
        r':12: resource "orders": name "orders" is already used by the resource at .*:1'),
    "unresolved_variable": (
        resource(parameters='    databasePassword: "{{dbPassword}}"\n'),
        r':11: resource "orders": variable "dbPassword" is not defined'),
    "unterminated_braces": (
        resource(parameters='    databasePassword: "{{sys:PGPASSWORD"\n'),
        r':11: resource "orders": unterminated "\{\{" in parameter databasePassword'),
    "variable_cycle": (
        resource(parameters='    databasePassword: "{{a}}"\n',
                 extra='  variables:\n    - a: "{{b}}"\n    - b: "{{a}}"\n'),
        r'resource "orders": variables form a cycle: "a" -> "b" -> "a"'),
    "bad_enum_value": (
        resource(parameters="    snapshotMode: sometimes\n"),
        r":11: .*snapshotMode must be one of initial, always, initial_only, no_data, when_needed"),
    "wrong_kind": (
        resource().replace("kind: DatabaseChangeTracking", "kind: Deployment"),
        r':2: resource "orders": kind "Deployment" is not supported; use DatabaseChangeTracking'),
    "bad_regex": (
        resource(parameters="    tableIncludeList: public.(orders\n"),
        r'entry "public.\(orders" is not a valid regular expression'),
    "empty_file": ("# nothing here\n", r"no DatabaseChangeTracking resource in this file"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_named_with_file_and_line(tmp_path, case):
    text, pattern = BAD_INPUTS[case]
    path = write(tmp_path, text)
    result = dbct("validate", "-f", path)
    assert result.returncode == 2, result.stdout
    assert re.search(re.escape(str(path)) + ".*" + pattern, result.stderr), result.stderr
    assert result.stdout == ""


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = resource(name="Bad_Name",
                    parameters="    tableIncludelist: x\n    topicPrefix: y\n"
                               '    databasePassword: "{{sys:DBCT_TEST_A}}{{sys:DBCT_TEST_B}}"\n')
    result = dbct("validate", "-f", write(tmp_path, text))
    assert result.returncode == 2
    for expected in ["metadata.name", "tableIncludelist", "topicPrefix", '"DBCT_TEST_A"',
                     '"DBCT_TEST_B"']:
        assert expected in result.stderr, expected
    assert "5 problems found" in result.stderr


def test_duplicate_names_across_files(tmp_path):
    first = write(tmp_path, resource(), "a.yaml")
    second = write(tmp_path, resource(), "b.yml")
    result = dbct("validate", "-f", first, "-f", second)
    assert result.returncode == 2
    assert f'{second}:1: resource "orders": name "orders" is already used by the resource at ' \
           f"{first}:1" in result.stderr
    # A directory reads every *.yaml and *.yml in it.
    result = dbct("validate", "-f", tmp_path)
    assert result.returncode == 2
    assert "already used" in result.stderr


def test_secrets_never_printed(tmp_path):
    text = resource(parameters='    databasePassword: "{{sys:DBCT_TEST_SECRET}}"\n'
                               "    databasePort: hunter2port\n",
                    extra="  nats:\n    url: nats://me:hunter2nats@nats:4222\n"
                          "    user: me\n    password: hunter2nats\n")
    env = env_without(())
    env["DBCT_TEST_SECRET"] = "hunter2"
    path = write(tmp_path, text)
    bad = dbct("validate", "-f", path, env=env)
    assert bad.returncode == 2
    assert "databasePort" in bad.stderr
    path.write_text(text.replace("    databasePort: hunter2port\n", ""))
    for output in ("table", "json"):
        good = dbct("validate", "-f", path, "-o", output, env=env)
        assert good.returncode == 0, good.stderr
        assert "hunter2" not in good.stdout + good.stderr
        assert "******" in good.stdout


def test_reads_stdin():
    result = dbct("validate", "-f", "-", stdin=resource(name="from-stdin"))
    assert result.returncode == 0, result.stderr
    assert "from-stdin" in result.stdout


def test_usage_errors_exit_2(tmp_path):
    assert dbct().returncode == 2
    assert dbct("validate").returncode == 2
    assert dbct("validate", "-f", tmp_path / "missing.yaml").returncode == 2
    assert "no such file or directory" in dbct("validate", "-f", tmp_path / "missing.yaml").stderr
    assert dbct("-o", "yaml", "validate", "-f", tmp_path).returncode == 2
    assert dbct("no-such-command").returncode == 2


def test_help_lists_every_command():
    result = dbct("--help")
    assert result.returncode == 0
    for command in ["validate", "run", "delete", "untrack", "flows", "tail", "stream",
                    "--nats-url", "--creds", "-o,--output", "Examples:"]:
        assert command in result.stdout, command
