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

    `get(flow_id)` is the version to start a conversation on: the published one, when one
    was named (`adopt`), else the newest; `get(flow_id, version)` is the one a saved
    session started with. Adding a newer version never replaces an older one.
    """

    def __init__(self, flows: Iterable[Flow] = ()) -> None:
        self._flows: dict[tuple[str, int], Flow] = {}
        self._published: dict[str, int] = {}
        for flow in flows:
            self.add(flow)

    def adopt(self, stored: Iterable[Flow], published: dict[str, int]) -> None:
        """Take the versions kept in the database, and which of each is published.

        Stored versions win over a loaded one with the same id and version (a file edited
        without a new number is stored under the next one); flows the database does not
        hold stay as they were.
        """
        for flow in stored:
            self._flows[(flow.id, flow.version)] = flow
        for flow_id, version in published.items():
            if (flow_id, version) in self._flows:
                self._published[flow_id] = version

    def published(self, flow_id: str) -> int | None:
        """The version named published, or None when the newest one is used."""
        return self._published.get(flow_id)

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
            version = self._published.get(flow_id, versions[-1])
        try:
            return self._flows[(flow_id, version)]
        except KeyError:
            raise UnknownFlow(f"no version {version} of flow {flow_id!r}") from None

    def has(self, flow_id: str, version: int) -> bool:
        return (flow_id, version) in self._flows

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
