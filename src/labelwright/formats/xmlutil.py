"""Safe XML parsing (defusedxml) and writing for the XML-based formats."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only to build and serialise trees, never to parse
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from labelwright.formats.dataset import FormatError


def parse_xml(path: Path, label: str) -> ET.Element:
    """The root element of an XML file; FormatError naming `label` when it is not safe XML."""
    try:
        return SafeET.parse(path).getroot()
    except ET.ParseError as error:
        raise FormatError(f"{label}: not well-formed XML: {error}") from None
    except DefusedXmlException as error:
        raise FormatError(f"{label}: refused unsafe XML: {error}") from None
    except OSError as error:
        raise FormatError(f"{label}: cannot read: {error.strerror or error}") from None


def peek_root_tag(path: Path) -> str | None:
    """The root tag of an XML file, reading no further than needed; None if not XML."""
    try:
        for _event, element in SafeET.iterparse(path, events=("start",)):
            return element.tag
    except (ET.ParseError, DefusedXmlException, OSError):
        return None
    return None


def child_text(element: ET.Element, tag: str) -> str | None:
    """The stripped text of the first child called `tag`, or None."""
    child = element.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    """Append a child element with optional text and attributes."""
    child = ET.SubElement(parent, tag, attrib)
    if text is not None:
        child.text = text
    return child


def to_text(element: ET.Element, level: int = 0) -> str:
    """An element as indented XML text."""
    ET.indent(element, space="  ", level=level)
    return ET.tostring(element, encoding="unicode")
