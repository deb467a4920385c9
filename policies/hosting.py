"""The dated table of foreign mail services recognised by their MX host names."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from policies.domains import DATA_DIR

MX_TABLE = DATA_DIR / "mx_hosting.toml"


@dataclass(frozen=True)
class HostingService:
    name: str
    patterns: tuple[str, ...]


class HostingTable:
    """Answers which foreign service (if any) an MX host belongs to."""

    def __init__(self, services: list[HostingService], updated: str = ""):
        self.services = services
        self.updated = updated
        self._compiled = [
            (s.name, re.compile("|".join(fnmatch.translate(p) for p in s.patterns)))
            for s in services
        ]

    @classmethod
    def load(cls, path: Path = MX_TABLE) -> HostingTable:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        services = [
            HostingService(item["name"], tuple(p.lower() for p in item["patterns"]))
            for item in data.get("service", [])
        ]
        return cls(services, str(data.get("updated", "")))

    def service_for(self, host: str) -> str | None:
        host = host.lower().rstrip(".")
        for name, pattern in self._compiled:
            if pattern.match(host):
                return name
        return None
