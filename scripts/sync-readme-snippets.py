#!/usr/bin/env python3
"""Copies each consumer program under medadapt-it/src/it into the README ```java block of the same class
(ReadmeSnippetsTest checks they are equal)."""
import pathlib, re
root = pathlib.Path(__file__).resolve().parent.parent
programs = {p.stem: p.read_text() for p in root.glob("medadapt-it/src/it/*/src/main/java/*.java")}
readme = root / "README.md"
text = readme.read_text()
def swap(m):
    name = re.search(r"^public class (\w+)", m.group(1), re.M).group(1)
    return "```java\n" + programs[name] + "```"
readme.write_text(re.sub(r"```java\n(.*?)```", swap, text, flags=re.S))
