"""Shards cut along policy sets: every case sharing a policy text and entity store lands in one shard.

Each shard job sees the whole fixture list but loads only its own files. To
know which files are its own it reads every file once and takes a *group key*
from the raw text: the `policies` string and the JSON text of `entities`, found
by string search rather than by parsing the file (reading plus the search cost
about a twentieth of loading a corpus fixture). Files the search cannot read
unambiguously go through an exact top-level walk with the C JSON scanner that
yields the same key, so the shortcut never splits a group.

Groups are packed into n shards by request count: largest group first, each
to the lightest shard so far, ties broken by the group key and then the lower
shard index. The plan depends only on the files' contents, never on their paths
or the order the file system lists them, so every job computes the same plan
and the n shards partition the cases exactly. Greedy packing keeps every shard
within one largest group of the even share (total / n).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any, Iterable, Sequence

Shard = tuple[int, int]
"""(i, n): the i-th of n slices, 1-based."""

_TOP_KEYS = ("$schema", "name", "description", "policies", "entities", "input", "expected")
_DECODER = json.JSONDecoder()


def parse_shard(text: str) -> Shard:
    """`i/n` with 1 <= i <= n; a ValueError says what is wrong."""
    left, slash, right = text.partition("/")
    if not slash or not left.strip().isdigit() or not right.strip().isdigit():
        raise ValueError(f"--shard takes i/n, e.g. 2/4; got {text!r}")
    i, n = int(left), int(right)
    if not 1 <= i <= n:
        raise ValueError(f"--shard {text}: i must lie in 1..n")
    return i, n


def _digest(policies: bytes, entities: bytes) -> str:
    return hashlib.blake2b(policies + b"\x00" + entities, digest_size=12).hexdigest()


_STRING_END = re.compile(rb'(?:[^"\\]++|\\.)*+"')
_COLON = re.compile(rb"\s*:\s*")
_NEXT_KEY = re.compile(rb',\s*"(?:\$schema|name|description|policies|entities|input|expected)"\s*:')


def _value_start(data: bytes, key: bytes) -> int:
    """Index of the value of `"key":` when the quoted key occurs exactly once and as a key; -1 otherwise."""
    quoted = b'"' + key + b'"'
    at = data.find(quoted)
    if at < 0 or data.count(quoted) != 1:
        return -1
    before = at - 1
    while before >= 0 and data[before] in b" \t\r\n":
        before -= 1
    if before < 0 or data[before] not in b"{,":
        return -1
    colon = _COLON.match(data, at + len(quoted))
    return colon.end() if colon and b":" in colon.group() else -1


def _fast_key(data: bytes) -> str | None:
    """The group key by search over the raw bytes, or None when the text is not plain enough to trust it."""
    start = _value_start(data, b"policies")
    if start < 0 or data[start:start + 1] != b'"':
        return None
    closing = _STRING_END.match(data, start + 1)
    if closing is None:
        return None
    policies = data[start:closing.end()]
    if b'"entities"' not in data:
        return _digest(policies, b"")
    begin = _value_start(data, b"entities")
    if begin < 0:
        return None
    after = _NEXT_KEY.search(data, begin)  # the value ends where the next top-level key starts, or at the brace
    value = data[begin:after.start() if after else data.rfind(b"}")].rstrip()
    # A cut inside the store (an attribute named like a top-level key) leaves a bracket open: take the slow path.
    if value.count(b"[") != value.count(b"]"):
        return None
    return _digest(policies, value)


def _exact_key(text: str) -> str | None:
    """The same key by walking the top-level object with the C scanner; None when it is not a JSON object."""
    try:
        at = len(text) - len(text.lstrip())
        if not text.startswith("{", at):
            return None
        at += 1
        policies: str | None = None
        entities = ""
        while True:
            while text[at] in " \t\r\n":
                at += 1
            if text[at] == "}":
                break
            if text[at] == ",":
                at += 1
                continue
            if text[at] != '"':
                return None
            key, at = scanstring(text, at + 1)
            while text[at] in " \t\r\n":
                at += 1
            if text[at] != ":":
                return None
            at += 1
            while text[at] in " \t\r\n":
                at += 1
            value, end = _DECODER.raw_decode(text, at)
            if key == "policies" and isinstance(value, str):
                policies = text[at:end]
            elif key == "entities":
                entities = text[at:end]
            at = end
    except (ValueError, IndexError, RecursionError):
        return None
    if policies is None:
        return None
    encode = lambda s: s.encode("utf-8", "surrogatepass")  # noqa: E731
    return _digest(encode(policies), encode(entities.rstrip()))


def group_key(data: bytes) -> str | None:
    """The key of a fixture's policy text and entity store (their JSON text); None for a file that is not one."""
    key = _fast_key(data)
    if key is not None:
        return key
    try:
        return _exact_key(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def case_key(policies: str, entities: Sequence[Any]) -> str:
    """The key of an in-memory case (the built-in tiers over the tool-call corpus)."""
    encoded = json.dumps(list(entities), ensure_ascii=False).encode("utf-8", "surrogatepass") if entities else b""
    return "case:" + _digest(json.dumps(policies, ensure_ascii=False).encode("utf-8", "surrogatepass"), encoded)


def file_key(path: str) -> str:
    """A file's group key; an unreadable or malformed file is a group of its own (the shard it lands in reports it)."""
    try:
        with open(path, "rb", buffering=0) as handle:
            data = handle.readall()
    except OSError:
        return "unreadable:" + _digest(path.encode("utf-8", "surrogateescape"), b"")
    key = group_key(data)
    return key if key is not None else "malformed:" + hashlib.blake2b(data, digest_size=12).hexdigest()


@dataclass
class ShardPlan:
    shard: Shard
    groups: int = 0
    """Groups in this shard."""
    total_groups: int = 0
    requests: int = 0
    """Requests in this shard."""
    total_requests: int = 0
    loads: list[int] = field(default_factory=list)
    """Requests per shard, 1..n, for the balance bound."""
    largest_group: int = 0

    def to_json(self) -> dict[str, Any]:
        i, n = self.shard
        return {"index": i, "count": n, "label": f"{i}/{n}", "groups": self.groups, "total_groups": self.total_groups,
                "requests": self.requests, "total_requests": self.total_requests}

    def describe(self) -> str:
        i, n = self.shard
        return (f"shard {i}/{n}: {self.requests:,} of {self.total_requests:,} requests in {self.groups:,} of "
                f"{self.total_groups:,} policy-set groups (policy text and entity store)")


def pack(weights: dict[str, int], n: int) -> dict[str, int]:
    """Group key -> shard index 0..n-1: largest group first to the lightest shard; deterministic tie-breaks."""
    loads = [0] * n
    out: dict[str, int] = {}
    for key, weight in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])):
        target = min(range(n), key=lambda s: (loads[s], s))
        loads[target] += weight
        out[key] = target
    return out


def plan(file_keys: Sequence[str], case_keys: Sequence[tuple[str, int]], shard: Shard) -> tuple[list[bool], list[bool], ShardPlan]:
    """Which files (one request each) and which in-memory cases (key, requests) belong to shard i/n."""
    i, n = shard
    weights: dict[str, int] = {}
    for key in file_keys:
        weights[key] = weights.get(key, 0) + 1
    for key, requests in case_keys:
        weights[key] = weights.get(key, 0) + requests
    where = pack(weights, n)
    mine_files = [where[k] == i - 1 for k in file_keys]
    mine_cases = [where[k] == i - 1 for k, _ in case_keys]
    loads = [0] * n
    for key, weight in weights.items():
        loads[where[key]] += weight
    info = ShardPlan(shard, groups=sum(1 for s in where.values() if s == i - 1), total_groups=len(weights),
                     requests=loads[i - 1], total_requests=sum(loads), loads=loads,
                     largest_group=max(weights.values(), default=0))
    return mine_files, mine_cases, info


def select(files: Sequence[str], cases: Iterable[Any], shard: Shard) -> tuple[list[str], list[Any], ShardPlan]:
    """This shard's files (in the given order) and cases; `cases` carry policies, entities and requests."""
    cases = list(cases)
    keys = [file_key(f) for f in files]
    mine_files, mine_cases, info = plan(keys, [(case_key(c.policies, c.entities), len(c.requests)) for c in cases],
                                        shard)
    return ([f for f, keep in zip(files, mine_files) if keep], [c for c, keep in zip(cases, mine_cases) if keep],
            info)
