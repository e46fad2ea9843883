"""The API's XML form of a status answer (``_format=xml``), read into the JSON answer's dict.

The XML form names nothing: ``<result>`` holds unnamed ``<entry>`` elements in the order of the
JSON keys, nested the same way, strings in CDATA sections and numbers and booleans bare::

    <result><entry>true</entry><entry><![CDATA[b22b...]]></entry> ... </result>
    <result><entry>false</entry><entry>10</entry><entry><![CDATA[Clé API ...]]></entry></result>

``parse_xml_answer`` maps it back by position to exactly the dict the JSON form gives
(``SUCCESS_SHAPE`` / ``ERROR_SHAPE`` name the positions; trailing entries the API leaves out,
``file`` before a file exists and ``cost`` for some failed rentals, are simply absent). Anything
else (another root, an element that is not ``<entry>``, too many or too few entries, a list where
a value belongs) raises ``XMLShapeError`` quoting an excerpt: it is never mapped to wrong keys.

Parsing goes through ``defusedxml.minidom`` with DTDs forbidden, so entity expansion
(billion laughs) and external entities are refused before any expansion. minidom, not
ElementTree, because the mapping needs to tell a CDATA string (``"10"``) from a bare number
(``10``), which ElementTree merges. ``render_xml`` writes a dict the same way (the sandbox
serves it); the mapping itself is ours because no library knows this positional shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeAlias
from xml.dom import Node
from xml.dom.minidom import CDATASection, Element, Text
from xml.parsers.expat import ExpatError

import defusedxml
import defusedxml.minidom

__all__ = [
    "ERROR_SHAPE",
    "SUCCESS_SHAPE",
    "XMLShapeError",
    "load_answer_text",
    "looks_like_xml",
    "parse_xml_answer",
    "render_xml",
]

#: A shape: ``None`` for a value, a list of ``(key, shape, required)`` for an object, or a
#: one-item tuple ``(item_shape,)`` for a list.
Shape: TypeAlias = "list[tuple[str, Shape, bool]] | tuple[Shape] | None"

_LOCALITY: Final[Shape] = [
    ("Type", None, True),
    ("Location", None, True),
    ("VolumeDesired", None, True),
    ("Volume", None, True),
]
_LOCATION: Final[Shape] = [
    ("sexe", None, True),
    ("minAge", None, True),
    ("maxAge", None, True),
    ("zipcode", None, True),
    ("interest", None, True),
    ("category", None, True),
    ("details_localisation", (_LOCALITY,), True),
    ("cost", [("quantity", None, True), ("total", None, True), ("cost_unity", None, True)], False),
]
#: The positions of a ``success: true`` answer (the vendor's JSON sample, key by key).
SUCCESS_SHAPE: Final[Shape] = [
    ("success", None, True),
    ("token", None, True),
    ("status", None, True),
    ("location", _LOCATION, True),
    ("file", [("phoneNumbers", None, True)], False),
]
#: The positions of a ``success: false`` answer.
ERROR_SHAPE: Final[Shape] = [
    ("success", None, True),
    ("code", None, True),
    ("message", None, False),
]

_EXCERPT = 160
_INT = re.compile(r"-?\d+\Z")
_FLOAT = re.compile(r"-?\d+\.\d+\Z")


class XMLShapeError(ValueError):
    """The XML is refused (unsafe, not XML, or not the expected shape); ``excerpt`` quotes it."""

    def __init__(self, reason: str, excerpt: str) -> None:
        self.reason = reason
        self.excerpt = excerpt
        super().__init__(f"{reason}: {excerpt!r}" if excerpt else reason)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"


def looks_like_xml(text: str | bytes) -> bool:
    """True when the text starts (after blanks and a BOM) with ``<``."""
    if isinstance(text, bytes):
        return text[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
    return text[:64].lstrip("\ufeff \t\r\n")[:1] == "<"


def parse_xml_answer(text: str | bytes) -> dict[str, Any]:
    """The JSON answer's dict from its XML form; ``XMLShapeError`` for anything else."""
    try:
        # expat takes bytes as well (and then honours the encoding declaration)
        document = defusedxml.minidom.parseString(text, forbid_dtd=True)  # type: ignore[arg-type]
    except defusedxml.DefusedXmlException as exc:
        raise XMLShapeError(
            f"unsafe XML refused ({type(exc).__name__}: DTDs and entities are not accepted)",
            _excerpt(_as_str(text)),
        ) from None
    except (ExpatError, ValueError) as exc:
        raise XMLShapeError(f"not well-formed XML ({exc})", _excerpt(_as_str(text))) from None
    root = document.documentElement
    if root is None or root.tagName != "result":
        tag = root.tagName if root is not None else "nothing"
        raise XMLShapeError(f"the root element is <{tag}>, not <result>", _excerpt(_as_str(text)))
    entries = _entries(root)
    first = _leaf(entries[0]) if entries else None
    if first is True:
        value = _object(root, entries, SUCCESS_SHAPE, "result")
    elif first is False:
        value = _object(root, entries, ERROR_SHAPE, "result")
    else:
        raise XMLShapeError(
            "the first <entry> is not true or false (the answer's success)", _node_text(root)
        )
    assert isinstance(value, dict)
    return value


def load_answer_text(text: str | bytes) -> dict[str, Any]:
    """A stored or saved answer body, JSON or XML, as the JSON answer's dict.

    Raises ``ValueError`` (``XMLShapeError`` for XML) when it is neither a JSON object nor an
    answer in the XML form.
    """
    if looks_like_xml(text):
        return parse_xml_answer(text)
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"a JSON {type(data).__name__}, not an object")
    return data


def _as_str(text: str | bytes) -> str:
    return text if isinstance(text, str) else text[:1000].decode("utf-8", errors="replace")


def _node_text(node: Element) -> str:
    return _excerpt(node.toxml())


def _entries(node: Element) -> list[Element]:
    out: list[Element] = []
    for child in node.childNodes:
        if child.nodeType == Node.ELEMENT_NODE:
            assert isinstance(child, Element)
            if child.tagName != "entry":
                raise XMLShapeError(
                    f"<{child.tagName}> where only <entry> belongs", _node_text(node)
                )
            out.append(child)
        elif (
            isinstance(child, Text)
            and child.data.strip()
            and any(c.nodeType == Node.ELEMENT_NODE for c in node.childNodes)
        ):
            raise XMLShapeError("text mixed with <entry> elements", _node_text(node))
    return out


def _convert(node: Element, shape: Shape, where: str) -> Any:
    if shape is None:
        if _entries(node):
            raise XMLShapeError(
                f"{where} should be a single value, found entries", _node_text(node)
            )
        return _leaf(node)
    entries = _entries(node)
    if isinstance(shape, tuple):
        (item,) = shape
        if not entries and _leaf(node) != "":
            raise XMLShapeError(
                f"{where} should be a list of entries, found a value", _node_text(node)
            )
        return [_convert(e, item, f"{where}[{i}]") for i, e in enumerate(entries)]
    return _object(node, entries, shape, where)


def _object(node: Element, entries: Sequence[Element], shape: Shape, where: str) -> dict[str, Any]:
    assert isinstance(shape, list)
    required = sum(1 for _, _, req in shape if req)
    if not required <= len(entries) <= len(shape):
        expected = str(required) if required == len(shape) else f"{required} to {len(shape)}"
        raise XMLShapeError(
            f"{where} should hold {expected} entries, not {len(entries)}", _node_text(node)
        )
    return {
        key: _convert(entry, sub, key) for (key, sub, _), entry in zip(shape, entries, strict=False)
    }


def _leaf(node: Element) -> Any:
    """CDATA (or escaped text with CDATA) is a string as sent; bare text a bool, number or text.

    An empty entry is ``""``: the XML form has no null (a JSON ``null`` comes back as ``""``).
    """
    parts = [c for c in node.childNodes if isinstance(c, Text)]
    if any(isinstance(c, CDATASection) for c in parts):
        return "".join(c.data for c in parts if isinstance(c, CDATASection))
    text = "".join(c.data for c in parts).strip()
    if text == "":
        return ""  # an empty CDATA section leaves no trace: empty is the empty string
    if text in ("true", "false"):
        return text == "true"
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def render_xml(answer: Mapping[str, Any]) -> str:
    """The XML form of a JSON answer: the inverse of ``parse_xml_answer`` (for the sandbox)."""
    return "<?xml version='1.0' encoding='UTF-8'?>\n<result>" + _inner(answer) + "</result>\n"


def _inner(value: Any) -> str:
    if isinstance(value, Mapping):
        return "".join(f"<entry>{_inner(v)}</entry>" for v in value.values())
    if isinstance(value, list):
        return "".join(f"<entry>{_inner(v)}</entry>" for v in value)
    if value is None:  # read back as "": the XML form cannot tell null from ""
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{text}]]>"
