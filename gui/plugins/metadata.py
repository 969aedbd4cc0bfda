"""What a plugin says about itself (its ``get-metadata`` answer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PluginMetadata:
    """The plugin's own description, from ``metadata.get-metadata``."""

    name: str
    version: str
    authors: tuple[str, ...] = ()
    description: str = ""
    dependencies: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()

    @classmethod
    def from_wit(cls, record: Any) -> PluginMetadata:
        return cls(
            name=str(record.name),
            version=str(record.version),
            authors=tuple(record.authors),
            description=str(record.description),
            dependencies=tuple(record.dependencies),
            permissions=tuple(record.permissions),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "authors": list(self.authors),
            "description": self.description,
            "dependencies": list(self.dependencies),
            "permissions": list(self.permissions),
        }
