"""The wheel holds everything the bot needs, and runs from any folder."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, settings_free_env


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "adapters")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert listed == found | {"faqbot_knowledge"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("faqbot-*.whl")
    return built


def test_the_wheel_ships_the_faq_and_the_dev_set_but_no_tests(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "faqbot_knowledge/faq.yaml" in names
    assert "faqbot_knowledge/eval/devset.yaml" in names
    assert not any(n.startswith("tests/") for n in names)


def faqbot(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `faqbot ARGS` from the installed copy that `env`'s PYTHONPATH points at."""
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "check"),
    [
        (
            ("ask", "--json", "is it illegal to leave north korea"),
            lambda out: json.loads(out)["sources"],
        ),
        (("eval", "--no-holdout", "--min-accuracy", "0.9"), lambda out: "answered right" in out),
        (("validate",), lambda out: "OK:" in out),
    ],
)
def test_installed_from_the_wheel_it_runs_from_another_folder(
    wheel: Path, tmp_path: Path, args: tuple[str, ...], check: object
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = settings_free_env()
    env["PYTHONPATH"] = str(site)  # ahead of the checkout's editable install
    done = faqbot(elsewhere, env, *args)
    assert done.returncode == 0, done.stderr
    assert check(done.stdout)  # type: ignore[operator]
    assert str(ROOT) not in done.stdout + done.stderr  # nothing came from the checkout


def test_learn_refuses_to_change_the_installed_faq(wheel: Path, tmp_path: Path) -> None:
    # The user site-packages of a PYTHONUSERBASE: an install outside any checkout.
    base = tmp_path / "userbase"
    site = base / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = site / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    faq = site / "faqbot_knowledge" / "faq.yaml"
    before = faq.read_text(encoding="utf-8")
    env = settings_free_env()
    env.update(PYTHONPATH=str(site), PYTHONUSERBASE=str(base))
    done = faqbot(tmp_path, env, "learn", "add", "banks", "nk bank accounts?", "--yes")
    assert done.returncode == 1
    assert "installed with faqbot" in done.stderr and "faqbot init" in done.stderr
    assert faq.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in faq.parent.iterdir() if not p.name.startswith("__")) == [
        "eval",
        "faq.yaml",
    ]
