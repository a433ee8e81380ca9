"""Structured logs: one JSON object per line on stderr; secrets never reach them."""

from __future__ import annotations

import json
import logging
import sys

_RESERVED = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # Strawberry logs every error with its trace; ours are formatted in schema.errors.
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
    # Tortoise says "Tortoise-ORM shutdown" at INFO each time connections close (start-up included).
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    # Casbin prints the whole model and policy at INFO on every load.
    logging.getLogger("casbin").setLevel(logging.WARNING)
    logging.getLogger("casbin.policy").setLevel(logging.WARNING)
