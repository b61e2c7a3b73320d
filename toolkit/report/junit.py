"""JUnit XML for CI test tabs: every failure is its own element (never "N more"), counts taken from them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree import ElementTree as ET

from toolkit.report.model import Case

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """Characters XML 1.0 cannot carry at all become U+FFFD."""
    return _XML_INVALID.sub("\ufffd", value)


def render(cases: Iterable[Case], name: str) -> str:
    """`<testsuites>` with one `<testsuite>` per `Case.suite`, in the order the suites first appear."""
    root = ET.Element("testsuites", name=xml_text(name))
    suites: dict[str, ET.Element] = {}
    for case in cases:
        suite = suites.get(case.suite)
        if suite is None:
            suite = suites[case.suite] = ET.SubElement(root, "testsuite", name=xml_text(case.suite))
        element = ET.SubElement(suite, "testcase", classname=xml_text(case.classname), name=xml_text(case.name))
        if case.time_s is not None:
            element.set("time", f"{case.time_s:.3f}")
        for tag, message in (("failure", case.failure), ("error", case.error)):
            if message is not None:
                child = ET.SubElement(element, tag, message=xml_text(message))
                child.text = xml_text(case.detail or message)
        if case.skipped is not None:
            ET.SubElement(element, "skipped", message=xml_text(case.skipped))
        if case.output:
            ET.SubElement(element, "system-out").text = xml_text(case.output)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites.values():
        counts = {
            "tests": len(suite.findall("testcase")),
            "failures": len(suite.findall("testcase/failure")),
            "errors": len(suite.findall("testcase/error")),
            "skipped": len(suite.findall("testcase/skipped")),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
