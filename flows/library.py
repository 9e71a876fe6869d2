"""A set of flows by id and version, so running conversations keep their version."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from flows.errors import FlowLoadError
from flows.loader import check_path
from flows.model import Flow


class UnknownFlow(LookupError):
    """No flow with that id (or that version of it) is loaded."""


class FlowConflict(ValueError):
    """A flow was changed without bumping its version."""


class FlowLibrary:
    """Every loaded version of every flow.

    `get(flow_id)` is the newest version, for starting a conversation;
    `get(flow_id, version)` is the one a saved session started with.
    Adding a newer version never replaces an older one.
    """

    def __init__(self, flows: Iterable[Flow] = ()) -> None:
        self._flows: dict[tuple[str, int], Flow] = {}
        for flow in flows:
            self.add(flow)

    def add(self, flow: Flow) -> None:
        """Add a flow; the same id and version with other content is refused."""
        existing = self._flows.get((flow.id, flow.version))
        if existing is not None and existing.fingerprint != flow.fingerprint:
            raise FlowConflict(
                f"{flow.id} version {flow.version} was edited without a new version number"
            )
        self._flows[(flow.id, flow.version)] = flow

    def get(self, flow_id: str, version: int | None = None) -> Flow:
        """Return that version of a flow, or the newest when version is None."""
        if version is None:
            versions = self.versions(flow_id)
            if not versions:
                raise UnknownFlow(f"no flow with id {flow_id!r}")
            version = versions[-1]
        try:
            return self._flows[(flow_id, version)]
        except KeyError:
            raise UnknownFlow(f"no version {version} of flow {flow_id!r}") from None

    def versions(self, flow_id: str) -> list[int]:
        return sorted(v for i, v in self._flows if i == flow_id)

    def ids(self) -> list[str]:
        return sorted({i for i, _ in self._flows})

    def __contains__(self, flow_id: object) -> bool:
        return any(i == flow_id for i, _ in self._flows)

    def __iter__(self) -> Iterator[Flow]:
        """Iterate over the newest version of each flow, by id."""
        return (self.get(flow_id) for flow_id in self.ids())

    def __len__(self) -> int:
        return len(self.ids())


def load_library(path: str | Path | None = None) -> FlowLibrary:
    """Load a directory of flows (default: the built-in library) or raise FlowLoadError."""
    flows, errors = check_path(path)
    if errors:
        raise FlowLoadError(errors)
    return FlowLibrary(flows)


def builtin_library() -> FlowLibrary:
    """Return the flows shipped in `flows/library/`."""
    return load_library(None)
