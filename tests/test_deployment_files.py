"""The Dockerfile and compose.yaml kept honest (no Docker engine runs here): every command they run parses
with the real `chatcart` command line, every CHATCART_* variable they set is a setting, and what they copy
is what the package is made of."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.main import build_parser
from bot.setup.settings import Settings
from bot.web import operations

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# One instruction per logical line: backslash continuations joined.
INSTRUCTIONS = [line.strip() for line in DOCKERFILE.replace("\\\n", " ").splitlines() if line.strip()]


def instructions(keyword: str) -> list[str]:
    return [line.split(None, 1)[1] for line in INSTRUCTIONS if line.split(None, 1)[0] == keyword]


def chatcart_services() -> dict[str, list[str]]:
    """The services built from this repository, and the `chatcart` arguments each one runs."""
    return {name: s["command"] for name, s in SERVICES.items() if s.get("build") == "."}


def variables(text: str) -> set[str]:
    return set(re.findall(r"\bCHATCART_[A-Z0-9_]+\b", text))


@pytest.mark.parametrize("name", sorted(chatcart_services()))
def test_every_compose_command_is_a_chatcart_command(name: str) -> None:
    build_parser().parse_args(chatcart_services()[name])


def test_compose_upgrades_the_schema_once_then_serves_without_the_worker_beside_a_worker() -> None:
    commands = {name: " ".join(command) for name, command in chatcart_services().items()}
    assert commands == {
        "migrate": "db upgrade",
        "chatcart": "serve --host 0.0.0.0 --port 8000 --no-worker",
        "worker": "worker",
    }
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("chatcart", "worker"):
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    environment = SERVICES["chatcart"]["environment"]
    assert environment["CHATCART_DATABASE_URL"].startswith("postgresql+asyncpg://chatcart:")
    assert environment["CHATCART_DATABASE_URL"].endswith("@postgres:5432/chatcart")
    assert environment["CHATCART_REDIS_URL"] == "redis://redis:6379/0"
    assert {"postgres", "redis"} <= set(SERVICES)


def test_every_chatcart_variable_in_compose_and_the_dockerfile_is_a_setting() -> None:
    settings = {f"CHATCART_{name.upper()}" for name in Settings.model_fields}
    named = variables((ROOT / "compose.yaml").read_text()) | variables(DOCKERFILE)
    assert named and named <= settings, named - settings
    for service in chatcart_services():
        assert set(SERVICES[service]["environment"]) <= settings


def test_the_compose_health_check_asks_a_route_the_app_serves() -> None:
    check = " ".join(SERVICES["chatcart"]["healthcheck"]["test"])
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/\w+)", check)
    assert path == "/readyz" and path in {getattr(route, "path", None) for route in operations.router.routes}


def test_the_image_runs_chatcart_and_its_default_command_parses() -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    (command,) = instructions("CMD")
    assert json.loads(entrypoint) == ["chatcart"]
    build_parser().parse_args(json.loads(command))


def test_the_image_copies_every_package_the_project_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {line.split()[0] for line in instructions("COPY") if not line.startswith("--from")}
    assert packages <= copied, packages - copied
    assert {"pyproject.toml", project["project"]["readme"]} <= {
        part for line in instructions("COPY") for part in line.split()
    }


def test_the_readme_docker_section_runs_the_compose_file_with_real_settings() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n### Docker\n", 1)[1].split("\n## ", 1)[0]
    assert "docker compose up" in section
    assert variables(section) <= {f"CHATCART_{name.upper()}" for name in Settings.model_fields}
