"""The two wire formats of GeoReport v2: JSON as the spec's examples, XML with the spec's element names.

In XML a list is wrapped in the plural and each item is named by its singular (`<services><service>`,
`<endpoints><endpoint>`, `<formats><format>`); booleans are `true`/`false`; a missing value is an
empty element, as the spec's examples show.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET


@dataclass(frozen=True, slots=True)
class Formatted:
    root: str          # the XML document element: services, service_requests, errors, discovery ...
    item: str          # the XML name of each row when `data` is a list
    data: list[dict[str, Any]] | dict[str, Any]


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any, name: str) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner, key)
    elif isinstance(value, list):
        singular = name[:-1] if name.endswith("s") else name
        for inner in value:
            _fill(ET.SubElement(element, singular), inner, singular)
    else:
        element.text = _scalar(value)


def to_xml(payload: Formatted) -> bytes:
    root = ET.Element(payload.root)
    if isinstance(payload.data, list):
        for row in payload.data:
            _fill(ET.SubElement(root, payload.item), row, payload.item)
    else:
        _fill(root, payload.data, payload.root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def dump(fmt: str, payload: Formatted) -> tuple[bytes, str]:
    """The body and its media type."""
    if fmt == "xml":
        return to_xml(payload), "text/xml; charset=utf-8"
    return json.dumps(payload.data, ensure_ascii=False).encode(), "application/json"
