"""PSM_LOG_FORMAT=json: one JSON object per line, extra fields and exceptions included."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from psm.lib.jsonlog import JsonFormatter


def test_a_record_is_one_json_line() -> None:
    record = logging.makeLogRecord(
        {
            "name": "psm.test",
            "levelname": "WARNING",
            "msg": "page %s late",
            "args": (7,),
            "csp_report": {"blocked-uri": "inline"},
        }
    )
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1
    data = json.loads(line)
    assert data["level"] == "WARNING" and data["logger"] == "psm.test"
    assert data["message"] == "page 7 late"
    assert data["csp_report"] == {"blocked-uri": "inline"}
    assert "ValueError: boom" in data["exception"]
    assert data["time"].endswith("+00:00")


def test_the_setting_switches_every_log_line_to_json(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PSM_LOG_FORMAT="json", PSM_DATA_DIR=str(tmp_path))
    code = "import logging; logging.getLogger('psm.x').warning('hello', extra={'case': 'ACME-1'})"
    result = subprocess.run(
        [sys.executable, "-m", "psm.cli", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert any(e["message"] == "hello" and e["case"] == "ACME-1" for e in lines), result.stderr
