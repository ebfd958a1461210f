"""Static checks of the production compose setup (no Docker needed).

docker-compose.yml follows the official Airflow 3 docker-compose.yaml
(airflow-core/docs/howto/docker-compose/docker-compose.yaml in apache/airflow); these tests pin
what this project adds or changes: the build from ./Dockerfile, secrets only from .env, the
warehouse database and its roles, and the connections/variables the DAGs use.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
REQUIREMENTS = ROOT / "requirements.txt"
INITDB_DIR = ROOT / "docker" / "postgres" / "initdb"
INIT_SCRIPT = INITDB_DIR / "10-ucj-warehouse.sh"
INIT_SQL = INITDB_DIR / "sql" / "ucj_warehouse.sql"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
REQUIRED_SERVICES = ("postgres", "redis", *AIRFLOW_SERVICES, "airflow-init")
HEALTHCHECKED_SERVICES = ("postgres", "redis", *AIRFLOW_SERVICES)

# docs/architecture.md, "Configuration"
REQUIRED_CONNECTIONS = (
    "ucj_warehouse",
    "ucj_pseudonym",
    "ucj_registry_api",
    "ucj_smtp",
    "ucj_alert_webhook",
)
REQUIRED_VARIABLES = {
    "ucj_landing_zone": "/opt/airflow/data/landing",
    "ucj_lake": "/opt/airflow/data/lake",
    "ucj_validation_dir": "/opt/airflow/data/validation",
}
# Who receives mail (ucj.notify): from .env, never from code.
RECIPIENT_VARIABLES = ("ucj_inspector_emails", "ucj_data_engineer_emails")
# The extras apache-airflow-providers-smtp's SmtpHook reads: any other key would be ignored.
SMTP_HOOK_EXTRAS = {"from_email", "disable_ssl", "disable_tls", "ssl_context", "timeout",
                    "retry_limit", "subject_template", "html_content_template", "auth_type",
                    "access_token", "client_id", "client_secret", "tenant_id", "scope"}

# Compose interpolation: $$ escapes a dollar; ${NAME}, ${NAME:-x}, ${NAME-x}, ${NAME:?x},
# ${NAME?x}, ${NAME:+x}, ${NAME+x}; and bare $NAME.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|FERNET|_KEY\b|WEBHOOK")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return parse_env_file(ENV_EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def common_env(compose) -> dict[str, str]:
    return environment_of(compose["x-airflow-common"])


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines of a Compose .env file (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        assert sep, f".env.example line {number} is not KEY=VALUE: {line!r}"
        key = key.strip()
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"bad name on line {number}"
        assert key not in values, f"{key} is listed twice in .env.example"
        values[key] = value.strip()
    return values


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def walk_strings(node):
    """Every string (keys included) in a parsed YAML tree."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from walk_strings(key)
            yield from walk_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_strings(item)


def referenced_variables(text: str) -> set[str]:
    names = set()
    for match in _INTERPOLATION.finditer(text):
        name = match.group("braced") or match.group("bare")
        if name:
            names.add(name)
    return names


def interpolate(text: str, values: dict[str, str]) -> str:
    """What Compose makes of ``text`` with ``values`` as the .env file."""

    def replace(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg")
        value = values.get(name)
        if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
            return arg
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise AssertionError(f"{name} is required but has no value: {arg}")
        if op in (":+", "+"):
            return arg if value else ""
        return value or ""

    return _INTERPOLATION.sub(replace, text)


def resolved_env_example(env_example: dict[str, str]) -> dict[str, str]:
    """.env values with the file's own ${...} references resolved (Compose does the same)."""
    resolved: dict[str, str] = {}
    for key, value in env_example.items():
        if len(value) >= 2 and value[0] == value[-1] == "'":
            resolved[key] = value[1:-1]
        else:
            resolved[key] = interpolate(value.strip('"'), resolved)
    return resolved


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def split_volume(volume: str) -> list[str]:
    """``source:target[:mode]``, not splitting inside ``${...}`` (``${DIR:-.}/dags:/x``)."""
    parts, current, depth = [], "", 0
    for char in volume:
        if char == ":" and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        current += char
    return [*parts, current]


def mount_targets(service: dict) -> dict[str, str]:
    """Mount target -> source of a service's volumes."""
    targets = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            targets[volume["target"]] = volume.get("source", "")
        else:
            source, target, *_ = split_volume(volume)
            targets[target] = source
    return targets


def airflow_connection(conn_id: str, value: str):
    """Parse an AIRFLOW_CONN_* value the way Airflow's environment backend does."""
    connection_module = pytest.importorskip("airflow.models.connection")
    connection = connection_module.Connection
    if value.lstrip().startswith("{"):
        return connection.from_json(value, conn_id=conn_id)
    return connection(conn_id=conn_id, uri=value)


# --------------------------------------------------------------------------- services


def test_required_services_exist(compose):
    missing = [name for name in REQUIRED_SERVICES if name not in compose["services"]]
    assert not missing, f"services missing from docker-compose.yml: {missing}"


def test_optional_official_services_are_behind_profiles(compose):
    services = compose["services"]
    assert services["airflow-cli"]["profiles"] == ["debug"]
    assert services["flower"]["profiles"] == ["flower"]


@pytest.mark.parametrize("name", [*AIRFLOW_SERVICES, "airflow-init"])
def test_airflow_services_share_the_common_config(compose, name):
    common = compose["x-airflow-common"]
    service = compose["services"][name]
    assert service["image"] == common["image"]
    assert service["build"] == common["build"]
    assert service["volumes"] == common["volumes"]
    env = environment_of(service)
    for key, value in environment_of(common).items():
        assert env.get(key) == value, f"{name} does not get {key} from x-airflow-common"


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_services_wait_for_databases_and_init(compose, name):
    deps = depends_on(compose["services"][name])
    assert deps.get("postgres") == "service_healthy"
    assert deps.get("redis") == "service_healthy"
    assert deps.get("airflow-init") == "service_completed_successfully"


def test_init_waits_for_databases_and_migrates(compose):
    init = compose["services"]["airflow-init"]
    deps = depends_on(init)
    assert deps.get("postgres") == "service_healthy"
    assert deps.get("redis") == "service_healthy"
    env = environment_of(init)
    assert env["_AIRFLOW_DB_MIGRATE"] == "true"
    assert env["_AIRFLOW_WWW_USER_CREATE"] == "true"


def test_worker_waits_for_api_server(compose):
    deps = depends_on(compose["services"]["airflow-worker"])
    assert deps.get("airflow-apiserver") == "service_healthy"


@pytest.mark.parametrize("name", HEALTHCHECKED_SERVICES)
def test_health_checks(compose, name):
    healthcheck = compose["services"][name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no health check"
    assert not healthcheck.get("disable", False)


def test_commands_match_the_official_file(compose):
    services = compose["services"]
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-triggerer"]["command"] == "triggerer"
    assert services["airflow-worker"]["command"] == "celery worker"
    assert environment_of(services["airflow-worker"])["DUMB_INIT_SETSID"] == "0"


# --------------------------------------------------------------------------- Airflow settings


def test_celery_executor_with_redis_and_postgres(common_env):
    assert common_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common_env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert "@redis:6379/" in common_env["AIRFLOW__CELERY__BROKER_URL"]
    assert common_env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    sql_conn = common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert sql_conn.startswith("postgresql+psycopg2://airflow:")
    assert sql_conn.endswith("@postgres:5432/airflow")


def test_airflow_3_settings(common_env):
    assert common_env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert common_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        "http://airflow-apiserver:8080/execution/"
    )
    assert common_env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"
    for key in (
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
    ):
        assert referenced_variables(common_env[key]), f"{key} must come from .env"


def test_project_folders_and_data_are_mounted(compose):
    targets = mount_targets(compose["x-airflow-common"])
    for folder in ("dags", "plugins", "include", "logs", "config"):
        target = f"/opt/airflow/{folder}"
        assert target in targets, f"./{folder} is not mounted"
        assert targets[target].endswith(f"/{folder}")
    assert "/opt/airflow/data" in targets
    data_source = targets["/opt/airflow/data"]
    default_volume = re.fullmatch(r"\$\{\w+:-([\w.-]+)\}", data_source)
    volume_name = default_volume.group(1) if default_volume else data_source
    assert volume_name in (compose.get("volumes") or {}), "the data volume is not declared"


# The landing zone and the lake may be URLs on an object store (from .env), by default folders
# of the data volume.
STORE_VARIABLES = {"ucj_landing_zone": "UCJ_LANDING_ZONE", "ucj_lake": "UCJ_LAKE"}


def test_variables_point_into_the_data_volume(common_env):
    for variable_id, path in REQUIRED_VARIABLES.items():
        value = common_env.get(f"AIRFLOW_VAR_{variable_id.upper()}")
        if variable_id in STORE_VARIABLES:
            assert value == f"${{{STORE_VARIABLES[variable_id]}:-{path}}}", variable_id
        else:
            assert value == path


def test_the_lake_may_be_on_an_object_store(common_env, env_example):
    """A lake shared by workers on several hosts: its URL and the store's standard AWS
    settings come from .env, empty by default (one host, the data volume); the secret key is
    a plain reference, never a default."""
    for name in STORE_VARIABLES.values():
        assert env_example[name] == ""
    assert common_env["AWS_ENDPOINT_URL"] == "${UCJ_S3_ENDPOINT_URL:-}"
    assert common_env["AWS_ACCESS_KEY_ID"] == "${UCJ_S3_ACCESS_KEY_ID}"
    assert common_env["AWS_SECRET_ACCESS_KEY"] == "${UCJ_S3_SECRET_ACCESS_KEY}"
    assert common_env["AWS_DEFAULT_REGION"].startswith("${UCJ_S3_REGION:-")
    assert env_example["UCJ_S3_SECRET_ACCESS_KEY"] == ""


def _ids_used_in_code(pattern: re.Pattern) -> set[str]:
    found = set()
    for tree in (ROOT / "dags", ROOT / "include" / "ucj"):
        for path in tree.rglob("*.py") if tree.is_dir() else ():
            found.update(pattern.findall(path.read_text(encoding="utf-8")))
    return found


_CONNECTION_LOOKUP = re.compile(
    r"(?:conn_id|get_connection|get_conn|connection)\s*[=(]\s*[\"'](ucj_[a-z0-9_]+)[\"']"
)
_VARIABLE_LOOKUP = re.compile(
    r"(?:Variable\.get|get_variable|variable)\s*\(\s*[\"'](ucj_[a-z0-9_]+)[\"']"
)


def test_every_connection_used_by_the_code_is_defined(common_env):
    ids = set(REQUIRED_CONNECTIONS) | _ids_used_in_code(_CONNECTION_LOOKUP)
    missing = sorted(i for i in ids if f"AIRFLOW_CONN_{i.upper()}" not in common_env)
    assert not missing, f"connections without AIRFLOW_CONN_* in x-airflow-common: {missing}"


def test_every_variable_used_by_the_code_is_defined(common_env):
    ids = set(REQUIRED_VARIABLES) | set(RECIPIENT_VARIABLES) | _ids_used_in_code(_VARIABLE_LOOKUP)
    missing = sorted(i for i in ids if f"AIRFLOW_VAR_{i.upper()}" not in common_env)
    assert not missing, f"variables without AIRFLOW_VAR_* in x-airflow-common: {missing}"


def test_connections_parse_with_the_example_values(common_env, env_example):
    values = resolved_env_example(env_example)
    conns = {
        conn_id: airflow_connection(
            conn_id, interpolate(common_env[f"AIRFLOW_CONN_{conn_id.upper()}"], values)
        )
        for conn_id in REQUIRED_CONNECTIONS
    }

    warehouse = conns["ucj_warehouse"]
    assert warehouse.conn_type == "postgres"
    assert (warehouse.host, warehouse.port, warehouse.schema) == ("postgres", 5432, "ucj_warehouse")
    assert warehouse.login == "ucj_etl"
    assert warehouse.password == values["UCJ_WAREHOUSE_PASSWORD"]

    assert conns["ucj_pseudonym"].password == values["UCJ_PSEUDONYM_KEY"]

    registry = conns["ucj_registry_api"]
    assert registry.host == values["UCJ_REGISTRY_API_URL"]
    assert registry.password == values["UCJ_REGISTRY_API_TOKEN"]

    smtp = conns["ucj_smtp"]
    assert smtp.conn_type == "smtp"
    assert smtp.host == values["UCJ_SMTP_HOST"]
    assert smtp.port == int(values["UCJ_SMTP_PORT"])
    assert (smtp.login, smtp.password) == (values["UCJ_SMTP_USER"], values["UCJ_SMTP_PASSWORD"])
    extra = smtp.extra_dejson
    assert extra["from_email"] == values["UCJ_SMTP_FROM"]
    assert isinstance(extra["disable_ssl"], bool) and isinstance(extra["disable_tls"], bool)
    assert set(extra) <= SMTP_HOOK_EXTRAS, f"extras the provider does not read: {extra}"
    from ucj.notify import parse_addresses

    for variable in RECIPIENT_VARIABLES:
        value = interpolate(common_env[f"AIRFLOW_VAR_{variable.upper()}"], values)
        assert parse_addresses(value), f"{variable} names no address"

    webhook = conns["ucj_alert_webhook"]
    assert webhook.conn_type == "http"
    assert webhook.host == values["UCJ_ALERT_WEBHOOK_URL"]


def test_json_connections_are_valid_json(common_env, env_example):
    values = resolved_env_example(env_example)
    for key, value in common_env.items():
        if key.startswith("AIRFLOW_CONN_") and value.lstrip().startswith("{"):
            json.loads(interpolate(value, values))


# --------------------------------------------------------------------------- .env and secrets


def test_every_compose_variable_is_in_env_example(compose, env_example):
    used = set()
    for text in walk_strings(compose):
        used |= referenced_variables(text)
    missing = sorted(used - set(env_example))
    assert not missing, f"variables used in docker-compose.yml but not in .env.example: {missing}"


def test_env_example_references_only_its_own_variables(env_example):
    seen: set[str] = set()
    for key, value in env_example.items():
        unknown = referenced_variables(value) - seen
        assert not unknown, f"{key} in .env.example uses {sorted(unknown)} before defining them"
        seen.add(key)


def test_env_example_holds_placeholders_only(env_example):
    for key, value in env_example.items():
        if _SECRET_NAME.search(key) and not referenced_variables(value):
            assert value == "" or "change-me" in value, (
                f"{key} in .env.example must be a change-me placeholder, not a value"
            )


def test_env_file_is_git_ignored():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored


def _secret_defaults(text: str) -> list[str]:
    bad = []
    for match in _INTERPOLATION.finditer(text):
        name, op = match.group("braced"), match.group("op")
        if name and _SECRET_NAME.search(name) and op in (":-", "-") and match.group("arg"):
            bad.append(match.group(0))
    return bad


_URL_PASSWORD = re.compile(r"://[^:/@\s]*:([^@\s]*)@")
_JSON_PASSWORD = re.compile(r"\"(?:password|token|secret)\"\s*:\s*\"([^\"]*)\"", re.IGNORECASE)
_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*)?\}")


def test_no_literal_secret_in_compose(compose):
    problems = []
    for text in walk_strings(compose):
        problems += [f"secret with a default value: {d}" for d in _secret_defaults(text)]
        for password in _URL_PASSWORD.findall(text) + _JSON_PASSWORD.findall(text):
            if password and not _REFERENCE.fullmatch(password):
                problems.append(f"literal password in {text[:60]!r}")

    def check_env(owner: str, env: dict[str, str]):
        for key, value in env.items():
            if key.startswith("AIRFLOW_CONN_"):
                continue  # checked through the URL/JSON password rules above
            if _SECRET_NAME.search(key) and not _REFERENCE.fullmatch(value):
                problems.append(f"{owner}: {key} must be a single ${{VAR}} reference")

    check_env("x-airflow-common", environment_of(compose["x-airflow-common"]))
    for name, service in compose["services"].items():
        check_env(name, environment_of(service))
    assert not problems, "\n".join(problems)


def test_broker_has_no_password_to_leak(common_env):
    # Redis is only reachable on the compose network (expose, no ports), as in the official file.
    assert common_env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:@redis:6379/0"


def test_redis_is_not_published(compose):
    assert "ports" not in compose["services"]["redis"]


# --------------------------------------------------------------------------- image


def _pinned(name: str) -> str:
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#")[0].strip()
        match = re.fullmatch(rf"{re.escape(name)}==([^\s;]+)", requirement, re.IGNORECASE)
        if match:
            return match.group(1)
    raise AssertionError(f"{name} is not pinned in requirements.txt")


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_base_image_matches_the_pinned_airflow():
    froms = [rest for keyword, rest in _dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) == 1
    image = froms[0].split()[0]
    assert image == f"apache/airflow:{_pinned('apache-airflow')}-python3.11"


def test_dockerfile_installs_requirements_and_the_package():
    instructions = _dockerfile_instructions()
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    copies = [rest for keyword, rest in instructions if keyword == "COPY"]
    assert any("requirements.txt" in copy for copy in copies)
    assert re.search(r"pip install .*-r \S*requirements\.txt", runs)
    assert "apache-airflow==${AIRFLOW_VERSION}" in runs
    assert any(re.search(r"\binclude/?\s+/opt/airflow/include/?$", copy) for copy in copies)
    envs = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "PYTHONPATH=/opt/airflow/include" in envs or "pip install --no-deps -e" in runs


def test_dockerfile_installs_no_test_tool():
    """The image gets requirements.txt (the runtime set), never pyproject's dev extra."""
    import tomllib

    runs = " ".join(rest for keyword, rest in _dockerfile_instructions() if keyword == "RUN")
    assert "[dev]" not in runs and "requirements-dev" not in runs
    assert not re.search(r"\b(pytest|ruff|aiosmtpd)\b", runs)
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["dev"]
    tools = {re.split(r"[=<>~!\[]", d)[0].lower() for d in dev}
    assert {"pytest", "ruff", "aiosmtpd"} <= tools
    pinned = {line.split("==")[0].strip().lower()
              for line in REQUIREMENTS.read_text().splitlines() if "==" in line}
    assert not tools & pinned, f"test tools in requirements.txt: {tools & pinned}"


def test_providers_compose_uses_are_pinned(common_env):
    """The auth manager, executor and connection types compose names come from providers
    requirements.txt pins."""
    needed = {"apache-airflow-providers-celery", "apache-airflow-providers-postgres"}
    if "providers.fab" in common_env.get("AIRFLOW__CORE__AUTH_MANAGER", ""):
        needed.add("apache-airflow-providers-fab")
    for key, value in common_env.items():
        if key.startswith("AIRFLOW_CONN_") and value.lstrip().startswith("{"):
            conn_type = re.search(r'"conn_type":\s*"(\w+)"', value).group(1)
            if conn_type != "generic":
                needed.add(f"apache-airflow-providers-{conn_type}")
    assert {"apache-airflow-providers-http", "apache-airflow-providers-smtp"} <= needed
    for provider in needed:
        assert re.fullmatch(r"\d+\.\d+\.\d+", _pinned(provider)), provider


def test_compose_builds_the_dockerfile(compose):
    common = compose["x-airflow-common"]
    build = common["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    assert (COMPOSE_FILE.parent / context / "Dockerfile").resolve() == DOCKERFILE.resolve()
    assert common["image"].endswith(f":{_pinned('apache-airflow')}}}")


# --------------------------------------------------------------------------- PostgreSQL init


def test_postgres_runs_the_warehouse_init_script(compose):
    postgres = compose["services"]["postgres"]
    targets = mount_targets(postgres)
    assert "/docker-entrypoint-initdb.d" in targets
    assert (ROOT / targets["/docker-entrypoint-initdb.d"]).resolve() == INITDB_DIR.resolve()
    env = environment_of(postgres)
    assert env["POSTGRES_DB"] == "airflow"
    for key in ("POSTGRES_PASSWORD", "UCJ_WAREHOUSE_PASSWORD", "BI_READER_PASSWORD"):
        assert _REFERENCE.fullmatch(env[key]), f"postgres {key} must come from .env"
    # The image runs *.sh / *.sql at the top of the folder only; the SQL needs the script.
    top_level_sql = sorted(p.name for p in INITDB_DIR.glob("*.sql*"))
    assert not top_level_sql, f"would run without the password variables: {top_level_sql}"
    assert INIT_SCRIPT.read_text(encoding="utf-8").startswith("#!")


def _sql_statements(text: str) -> list[str]:
    text = re.sub(r"--[^\n]*", "", text)
    text = re.sub(r"\\gexec", ";", text)
    text = re.sub(r"^\s*\\[a-z]+[^\n]*$", ";", text, flags=re.MULTILINE)
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def test_init_sql_creates_the_warehouse_and_roles():
    statements = _sql_statements(INIT_SQL.read_text(encoding="utf-8"))
    joined = "\n".join(statements).upper()
    assert "CREATE DATABASE UCJ_WAREHOUSE" in joined
    assert "CREATE ROLE BI_READER" in joined
    assert "CREATE SCHEMA IF NOT EXISTS MARTS" in joined


def test_init_sql_closes_every_database_of_the_server(compose):
    """PostgreSQL opens each database to PUBLIC (CONNECT, TEMPORARY): the init script closes
    all of the server's, so bi_reader's one CONNECT is on the warehouse alone."""
    statements = _sql_statements(INIT_SQL.read_text(encoding="utf-8"))
    closed = {m.group(1).lower() for s in statements
              if (m := re.fullmatch(r"REVOKE ALL ON DATABASE (\w+) FROM PUBLIC", s, re.I))}
    metadata = environment_of(compose["services"]["postgres"])["POSTGRES_DB"]
    assert closed == {metadata, "postgres", "template1", "ucj_warehouse"}
    # template0 takes no connection at all; outside compose the project's role SQL closes the
    # warehouse database the same way
    role_sql = (ROOT / "include" / "sql" / "roles" / "bi_reader.sql").read_text()
    assert "REVOKE ALL ON DATABASE %I FROM PUBLIC" in role_sql


def test_init_sql_has_no_literal_password():
    sql = INIT_SQL.read_text(encoding="utf-8")
    passwords = re.findall(r"\bPASSWORD\s+(\S+)", "\n".join(_sql_statements(sql)), re.I)
    assert len(passwords) == 2
    for password in passwords:
        assert re.fullmatch(r":'\w+'", password), f"password not from a psql variable: {password}"
    assert re.findall(r"\\getenv\s+\w+\s+(\w+)", sql) == [
        "UCJ_WAREHOUSE_PASSWORD",
        "BI_READER_PASSWORD",
    ]
    # and the script passes them through the environment, not on psql's command line (ps)
    script = INIT_SCRIPT.read_text(encoding="utf-8")
    psql_call = re.search(r"^psql\b(?:.*\\\n)*.*$", script, re.MULTILINE)
    assert psql_call and "PASSWORD" not in psql_call.group(0).upper()


_GRANT = re.compile(r"GRANT (?P<privs>.+?) ON (?P<target>.+?) TO (?P<grantees>.+)$", re.IGNORECASE)


def test_bi_reader_only_reads_marts():
    statements = _sql_statements(INIT_SQL.read_text(encoding="utf-8"))
    granted = set()
    for statement in statements:
        if not re.search(r"\bbi_reader\b", statement, re.IGNORECASE):
            continue
        upper = statement.upper()
        if upper.startswith(("SELECT 'CREATE ROLE BI_READER'", "CREATE ROLE BI_READER")):
            continue
        if upper.startswith("ALTER ROLE BI_READER"):
            words = set(re.findall(r"[A-Z_]+", upper))
            forbidden = {"SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS"}
            assert not words & forbidden, statement
            continue
        default_privileges = upper.startswith("ALTER DEFAULT PRIVILEGES")
        if default_privileges:
            assert re.search(r"\bIN SCHEMA MARTS\b", upper), statement
            upper = upper[upper.index(" GRANT ") + 1 :]
        assert not upper.startswith("REVOKE"), statement
        match = _GRANT.match(upper)
        assert match, f"bi_reader gets something other than a privilege: {statement}"
        assert [g.strip() for g in match["grantees"].split(",")] == ["BI_READER"], statement
        privileges = {p.strip() for p in match["privs"].split(",")}
        target = match["target"].strip()
        if default_privileges:
            assert target == "TABLES" and privileges == {"SELECT"}, statement
            granted.add(("default", "SELECT"))
        elif target == "DATABASE UCJ_WAREHOUSE":
            assert privileges == {"CONNECT"}, statement
        elif target == "SCHEMA MARTS":
            assert privileges == {"USAGE"}, statement
            granted.add(("schema", "USAGE"))
        elif target == "ALL TABLES IN SCHEMA MARTS":
            assert privileges == {"SELECT"}, statement
            granted.add(("tables", "SELECT"))
        else:
            pytest.fail(f"bi_reader is granted something outside schema marts: {statement}")
    assert granted == {("schema", "USAGE"), ("tables", "SELECT"), ("default", "SELECT")}
