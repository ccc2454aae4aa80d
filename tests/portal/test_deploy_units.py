"""The operator's files in deploy/ name commands that exist.

A timer that runs an unknown command fails every night in a journal nobody reads, so every
``manage.py <command>`` in the systemd units, and every scheduled job the README lists, must
be a command this project has; and every job in the README's table has a timer.
"""

import configparser
import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "deploy" / "systemd"
JOB_TEMPLATE = "bancheng-job@.service"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser


def _timer_commands() -> dict[str, str]:
    """Timer file → the management command it runs."""
    commands = {}
    for timer in sorted(SYSTEMD.glob("*.timer")):
        unit = _unit(timer)["Timer"].get("Unit", timer.with_suffix(".service").name)
        instance = re.fullmatch(r"bancheng-job@(.+)\.service", unit)
        if instance:
            commands[timer.name] = instance.group(1)
        else:
            exec_start = _unit(SYSTEMD / unit)["Service"]["ExecStart"]
            commands[timer.name] = re.search(r"manage\.py (\w+)", exec_start).group(1)
    return commands


def _readme_scheduled_commands() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("**Scheduled jobs**", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"`manage\.py (\w+)", table))


def test_every_unit_runs_a_command_that_exists():
    known = set(get_commands())
    timers = _timer_commands()
    assert timers, "no timers found in deploy/systemd"
    missing = {timer: command for timer, command in timers.items() if command not in known}
    assert not missing, f"timers run commands this project does not have: {missing}"
    for service in SYSTEMD.glob("*.service"):
        for command in re.findall(r"manage\.py (\w+)", service.read_text(encoding="utf-8")):
            assert command in known, f"{service.name} runs an unknown command: {command}"


def test_every_scheduled_job_in_the_readme_has_a_timer():
    scheduled = _readme_scheduled_commands()
    assert {"send_case_reminders", "apply_policy_changes", "search_train"} <= scheduled
    assert scheduled <= set(get_commands()), scheduled - set(get_commands())
    # db_worker is the always-running worker unit; send_webhooks only with the immediate backend.
    timed = set(_timer_commands().values()) | {"db_worker", "send_webhooks"}
    assert scheduled <= timed, f"scheduled in the README but without a timer: {sorted(scheduled - timed)}"
