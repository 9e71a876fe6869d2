"""YAML to plain data, remembering the line of every key and list item.

PyYAML's composed nodes carry marks; building the data ourselves from
them keeps a line for each field path, so an error can name its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from flows.answers._base import Loc

Lines = dict[Loc, int]
_MERGE = "tag:yaml.org,2002:merge"
_MAX_DEPTH = 50


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false.

    YAML 1.1 reads yes/no/on/off as booleans, which would turn a choice
    named `no` or a reply "yes" into True/False behind the author's back.
    """


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class YamlProblem(Exception):
    """The text is not YAML; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_marked(text: str) -> tuple[Any, Lines, list[tuple[Loc, str, int]]]:
    """Return (data, line of each path, problems such as duplicate keys, with lines)."""
    loader = Yaml12Loader(text)
    try:
        node = loader.get_single_node()
        lines: Lines = {(): 1}
        problems: list[tuple[Loc, str, int]] = []
        if node is None:
            return None, lines, problems
        lines[()] = node.start_mark.line + 1
        return _build(loader, node, (), lines, problems), lines, problems
    except yaml.MarkedYAMLError as error:
        raise _problem(error) from error
    finally:
        loader.dispose()


def _build(
    loader: Yaml12Loader,
    node: yaml.Node,
    loc: Loc,
    lines: Lines,
    problems: list[tuple[Loc, str, int]],
) -> Any:
    if len(loc) > _MAX_DEPTH:
        problems.append((loc, "is nested too deeply", node.start_mark.line + 1))
        return None
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, child in enumerate(node.value):
            lines[(*loc, index)] = child.start_mark.line + 1
            items.append(_build(loader, child, (*loc, index), lines, problems))
        return items
    if isinstance(node, yaml.MappingNode):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(loc, line)
                problems.append((loc, "keys must be plain names (no << merges)", line))
                continue
            key = loader.construct_object(key_node)
            if key in mapping:
                first = lines.get((*loc, key), line)
                problems.append(((*loc, key), f"is given twice (first on line {first})", line))
                continue
            lines[(*loc, key)] = line
            mapping[key] = _build(loader, value_node, (*loc, key), lines, problems)
        return mapping
    return loader.construct_object(node)


def _problem(error: yaml.MarkedYAMLError) -> YamlProblem:
    # The problem mark is where the parser gave up; the context mark, when
    # there is one, is often where the mistake is (an unclosed quote).
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    message = f"not valid YAML: {error.problem or error}"
    if error.context and error.context_mark is not None:
        message += f" ({error.context} on line {error.context_mark.line + 1})"
    return YamlProblem(line, message)
