#!/usr/bin/env python3
# Writes the nasty-log corpus and its expected per-line outcomes (expected.json). Kept so the
# binary files (gzip, UTF-16, archives) can be re-made and read by a person: each file is built
# on purpose, line by line, to hit one way a hand-made or exported log file goes wrong.
#   python3 test/pipeline/nasty-logs/make-corpus.py && npx biome format --write test/pipeline/nasty-logs
import bz2, gzip, io, json, os, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")
manifest = {}


def rec(client, n, ts="2026-01-15T10:00:00Z", **over):
    r = {
        "timestamp": ts,
        "workload_id": "nasty",
        "client_id": client,
        "request": {"model": "m", "messages": [{"role": "user", "content": f"{client} line {n}"}]},
        "response": {"choices": [{"message": {"role": "assistant", "content": "ok"}}]},
    }
    r.update(over)
    return r


def j(obj, **kw):
    return json.dumps(obj, **kw)


def write(name, lines, outcomes, eol="\n", final_eol=True, encoding="utf8", raw=None, extra=None, eol_name=None):
    """lines: list of str; outcomes: one per line ("loaded", "blank", "duplicate", "rejected:<regex>")."""
    client = name.split("-")[0]
    assert raw is not None or len(lines) == len(outcomes), name
    if raw is None:
        text = eol.join(lines) + (eol if final_eol and lines else "")
        raw = text
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if encoding == "utf8-bom":
        data = b"\xef\xbb\xbf" + data
    elif encoding in ("utf16le", "utf16le-nobom", "gzip-utf16le"):
        data = (b"" if encoding == "utf16le-nobom" else b"\xff\xfe") + raw.encode("utf-16-le")
    elif encoding == "utf16be":
        data = b"\xfe\xff" + raw.encode("utf-16-be")
    if encoding.startswith("gzip"):
        data = gzip.compress(data, mtime=0)
    with open(os.path.join(FILES, name), "wb") as f:
        f.write(data)
    entry = {
        "client": client,
        "encoding": encoding,
        "eol": eol_name or {"\n": "lf", "\r\n": "crlf", "\r": "cr"}[eol],
        "outcomes": outcomes,
    }
    if extra:
        entry.update(extra)
    manifest[name] = entry


def deep(levels, leaf=1):
    return "[" * levels + str(leaf) + "]" * levels


os.makedirs(FILES, exist_ok=True)
for f in os.listdir(FILES):
    os.remove(os.path.join(FILES, f))

c = "n01"
write("n01-plain-valid.jsonl", [j(rec(c, i)) for i in range(3)], ["loaded"] * 3)
c = "n02"
write("n02-crlf.jsonl", [j(rec(c, i)) for i in range(3)], ["loaded"] * 3, eol="\r\n")
c = "n03"
write("n03-cr-only.jsonl", [j(rec(c, i)) for i in range(3)], ["loaded"] * 3, eol="\r")
c = "n04"
write("n04-no-final-newline.jsonl", [j(rec(c, i)) for i in range(2)], ["loaded"] * 2, final_eol=False)
c = "n05"
write("n05-blank-lines.jsonl", [j(rec(c, 0)), "", "   \t ", j(rec(c, 1))], ["loaded", "blank", "blank", "loaded"])
c = "n06"
write("n06-utf8-bom.jsonl", [j(rec(c, i)) for i in range(2)], ["loaded"] * 2, encoding="utf8-bom")
c = "n07"
write("n07-utf16le-bom.jsonl", [j(rec(c, i)) for i in range(2)], ["loaded"] * 2, encoding="utf16le")
c = "n08"
write("n08-utf16be-bom.jsonl", [j(rec(c, i)) for i in range(2)], ["loaded"] * 2, encoding="utf16be")
c = "n09"
write("n09-utf16le-no-bom.jsonl", [j(rec(c, i)) for i in range(2)], ["loaded"] * 2, encoding="utf16le-nobom", eol="\r\n")
c = "n10"
write("n10-gzip.jsonl.gz", [j(rec(c, i)) for i in range(3)], ["loaded"] * 3, encoding="gzip")
c = "n11"
write("n11-gzip-without-gz-name.jsonl", [j(rec(c, i)) for i in range(2)], ["loaded"] * 2, encoding="gzip")

# two gzip members back to back (what `cat a.gz b.gz` makes)
c = "n12"
a = "".join(j(rec(c, i)) + "\n" for i in range(2))
b = "".join(j(rec(c, i)) + "\n" for i in range(2, 4))
with open(os.path.join(FILES, "n12-gzip-two-members.jsonl.gz"), "wb") as f:
    f.write(gzip.compress(a.encode(), mtime=0) + gzip.compress(b.encode(), mtime=0))
manifest["n12-gzip-two-members.jsonl.gz"] = {"client": c, "encoding": "gzip", "eol": "lf", "outcomes": ["loaded"] * 4}

# a gzip file cut short: the lines decompressed before the cut load, the input is reported
c = "n13"
body = "".join(j(rec(c, i)) + "\n" for i in range(200)).encode()
z = gzip.compress(body, mtime=0)
with open(os.path.join(FILES, "n13-gzip-cut-short.jsonl.gz"), "wb") as f:
    f.write(z[: len(z) - 12])
manifest["n13-gzip-cut-short.jsonl.gz"] = {
    "client": c,
    "encoding": "gzip",
    "eol": "lf",
    "truncated": True,
    "inputError": "gzip data is damaged or cut short",
    "outcomes": "prefix-loaded",
}

c = "n14"
write("n14-gzip-utf16.jsonl.gz", [j(rec(c, i)) for i in range(2)], ["loaded"] * 2, encoding="gzip-utf16le")

c = "n15"
write(
    "n15-deep-nesting.jsonl",
    [j(rec(c, 0)), j(rec(c, 1))[:-1] + ', "meta": ' + deep(5000) + "}", j(rec(c, 2))],
    ["loaded", "rejected:nested more than 100 levels deep", "loaded"],
)
# one deep line in the middle of a long file: only that line is lost
c = "n16"
lines = [j(rec(c, i)) for i in range(300)]
lines[149] = j(rec(c, 149))[:-1] + ', "meta": ' + deep(3000) + "}"
outs = ["loaded"] * 300
outs[149] = "rejected:nested more than 100 levels deep"
write("n16-deep-line-in-a-batch.jsonl", lines, outs)

c = "n17"
# depth 100 in total: the record object is level 1, so 99 more arrays fit
write(
    "n17-nesting-at-the-limit.jsonl",
    [j(rec(c, 0))[:-1] + ', "meta": ' + deep(99) + "}", j(rec(c, 1))[:-1] + ', "meta": ' + deep(100) + "}"],
    ["loaded", "rejected:nested more than 100 levels deep"],
)

c = "n18"
write(
    "n18-impossible-dates.jsonl",
    [
        j(rec(c, 0, ts="2026-02-30")),
        j(rec(c, 1, ts="2026-02-29T10:00:00Z")),
        j(rec(c, 2, ts="2024-02-29T10:00:00Z")),
        j(rec(c, 3, ts="2026-13-01T00:00:00Z")),
        j(rec(c, 4, ts="2026-04-31T00:00:00Z")),
        j(rec(c, 5, ts="2026-01-01T24:00:00Z")),
        j(rec(c, 6, ts="2026-01-01T10:60:00Z")),
        j(rec(c, 7, ts="1900-02-29")),
        j(rec(c, 8, ts="2000-02-29")),
    ],
    [
        "rejected:timestamp: .*not a real date: February 2026 has 28 days",
        "rejected:timestamp: .*not a real date: February 2026 has 28 days",
        "loaded",
        "rejected:timestamp: .*month 13",
        "rejected:timestamp: .*not a real date: April 2026 has 30 days",
        "rejected:timestamp: .*not a real time of day",
        "rejected:timestamp: .*not a real time of day",
        "rejected:timestamp: .*February 1900 has 28 days",
        "loaded",
    ],
    extra={"timestamps": {"3": "2024-02-29T10:00:00.000Z", "9": "2000-02-29T00:00:00.000Z"}},
)
c = "n19"
write(
    "n19-dates-with-trailing-text.jsonl",
    [
        j(rec(c, 0, ts="2026-01-01 (Mon)")),
        j(rec(c, 1, ts="2026-01-01T10:00:00Zjunk")),
        j(rec(c, 2, ts="2026-01-01T10:00:00+01:00")),
        j(rec(c, 3, ts=" 2026-01-01")),
        j(rec(c, 4, ts="Thursday, 1 January 2026")),
        j(rec(c, 5, ts="2026-01-01T10:00:00.123456789-0530")),
        j(rec(c, 6, ts="2026-1-1")),
    ],
    [
        "rejected:timestamp: .*has text an ISO-8601 date-time cannot hold",
        "rejected:timestamp: .*has text an ISO-8601 date-time cannot hold",
        "loaded",
        "rejected:timestamp: .*is not a time",
        "rejected:timestamp: .*is not a time",
        "loaded",
        "rejected:timestamp: .*is not a time",
    ],
    extra={"timestamps": {"3": "2026-01-01T09:00:00.000Z", "6": "2026-01-01T15:30:00.123Z"}},
)
c = "n20"
write(
    "n20-dates-without-zone-are-utc.jsonl",
    [
        j(rec(c, 0, ts="2026-01-01T10:00:00")),
        j(rec(c, 1, ts="2026-01-01 10:00:00")),
        j(rec(c, 2, ts="2026-01-01")),
        j(rec(c, 3, ts="2026-06-01T10:00")),
    ],
    ["loaded"] * 4,
    extra={
        "timestamps": {
            "1": "2026-01-01T10:00:00.000Z",
            "2": "2026-01-01T10:00:00.000Z",
            "3": "2026-01-01T00:00:00.000Z",
            "4": "2026-06-01T10:00:00.000Z",
        }
    },
)
c = "n21"
write(
    "n21-epoch-timestamps.jsonl",
    [
        j(rec(c, 0, ts=1767225600)),
        j(rec(c, 1, ts=1767225600123)),
        j(rec(c, 2, ts="1767225600")),
        j(rec(c, 3, ts=1767225600.5)),
        j(rec(c, 4, ts=-5)),
        j(rec(c, 5, ts=1e20)),
    ],
    ["loaded", "loaded", "loaded", "loaded", "rejected:timestamp: is out of range: before 1970", "rejected:timestamp: is out of range: after the year 9999"],
    extra={
        "timestamps": {
            "1": "2026-01-01T00:00:00.000Z",
            "2": "2026-01-01T00:00:00.123Z",
            "3": "2026-01-01T00:00:00.000Z",
            "4": "2026-01-01T00:00:00.500Z",
        }
    },
)
c = "n22"
nots = rec(c, 0)
del nots["timestamp"]
write(
    "n22-timestamp-missing-or-wrong-type.jsonl",
    [j(nots), j(rec(c, 1, ts=True)), j(rec(c, 2, ts=None)), j(rec(c, 3, ts={"$date": 1})), j(rec(c, 4, ts="")), j(rec(c, 5, ts=[2026]))],
    [
        "rejected:^timestamp: is missing$",
        "rejected:^timestamp: must be epoch seconds, epoch milliseconds or an ISO-8601 string, not a boolean$",
        "rejected:^timestamp: must be .* not null$",
        "rejected:^timestamp: must be .* not an object$",
        "rejected:^timestamp: is empty$",
        "rejected:^timestamp: must be .* not an array$",
    ],
)
c = "n23"
missing = []
for field in ["workload_id", "client_id", "request", "response"]:
    r = rec(c, field)
    del r[field]
    missing.append(j(r))
write("n23-missing-fields.jsonl", missing, [f"rejected:^{f}: is missing$" for f in ["workload_id", "client_id", "request", "response"]])
c = "n24"
write(
    "n24-wrong-field-types.jsonl",
    [
        j(rec(c, 0, workload_id=7)),
        j(rec(c, 1, client_id=["a"])),
        j(rec(c, 2, request=[{"role": "user"}])),
        j(rec(c, 3, response="ok")),
        j(rec(c, 4, request=None)),
    ],
    [
        "rejected:^workload_id: must be a string, not a number$",
        "rejected:^client_id: must be a string, not an array$",
        "rejected:^request: must be a JSON object, not an array$",
        "rejected:^response: must be a JSON object, not a string$",
        "rejected:^request: must be a JSON object, not null$",
    ],
)
c = "n25"
write(
    "n25-over-long-field.jsonl",
    [j(rec(c, 0, workload_id="w" * 40000)), j(rec(c, 1, client_id="c" * 257)), j(rec(c, 2))],
    ["rejected:^workload_id: is 40000 characters long, the limit is 256$", "rejected:^client_id: is 257 characters long", "loaded"],
)
c = "n26"
big = rec(c, 1)
big["request"]["messages"][0]["content"] += " " + "x" * 50_000
write(
    "n26-huge-line.jsonl",
    [j(rec(c, 0))[:-1] + ', "blob": "' + "y" * 100_000 + '"}', j(big), j(rec(c, 2))],
    ["rejected:is 100[0-9]+ bytes long, longer than the limit of 65536 bytes", "loaded", "loaded"],
    extra={"maxLineBytes": 65536},
)
c = "n27"
write(
    "n27-big-integers.jsonl",
    [
        j(rec(c, 0))[:-1] + ', "trace_id": 9007199254740993}',
        j(rec(c, 1))[:-1] + ', "trace_id": 9007199254740991}',
        j(rec(c, 2))[:-1] + ', "trace_id": -9007199254740993}',
        j(rec(c, 3))[:-1] + ', "trace_id": 12345678901234567890}',
        j(rec(c, 4))[:-1] + ', "trace_id": "12345678901234567890"}',
        j(rec(c, 5))[:-1] + ', "seq": 1000000000000000000000000}',
    ],
    [
        "rejected:the number 9007199254740993 is an integer beyond 2\\^53",
        "loaded",
        "rejected:the number -9007199254740993 is an integer beyond 2\\^53",
        "rejected:the number 12345678901234567890 is an integer beyond 2\\^53",
        "loaded",
        "rejected:the number 1000000000000000000000000 is an integer beyond",
    ],
)
c = "n28"
write(
    "n28-float-range.jsonl",
    [
        j(rec(c, 0))[:-1] + ', "score": 1e400}',
        j(rec(c, 1))[:-1] + ', "score": -1E400}',
        j(rec(c, 2))[:-1] + ', "score": 1e-400}',
        j(rec(c, 3))[:-1] + ', "score": 1.5e300}',
        j(rec(c, 4))[:-1] + ', "score": 0e10}',
        j(rec(c, 5))[:-1] + ', "score": 1E+2}',
        j(rec(c, 6))[:-1] + ', "score": 0.000001}',
    ],
    [
        "rejected:the number 1e400 is too large for a double",
        "rejected:the number -1E400 is too large for a double",
        "rejected:the number 1e-400 is too small for a double",
        "loaded",
        "loaded",
        "loaded",
        "loaded",
    ],
)
c = "n29"
good = j(rec(c, 0))
write(
    "n29-invalid-json.jsonl",
    [good[:-10], good[:-1] + ",}", good.replace('"', "'"), good[:-1] + ', "x": NaN}', good.replace('"model"', "model"), j(rec(c, 1))],
    ["rejected:^not valid JSON"] * 5 + ["loaded"],
)
c = "n30"
write(
    "n30-not-objects.jsonl",
    ["[" + j(rec(c, 0)) + "]", '"a string"', "42", "null", "true", j(rec(c, 1))],
    ["rejected:^not a JSON object$"] * 5 + ["loaded"],
)
c = "n31"
A, B = j(rec(c, "A")), j(rec(c, "B"))
write("n31-duplicate-lines.jsonl", [A, A, B, "  " + A + "  ", A], ["loaded", "duplicate", "loaded", "duplicate", "duplicate"])
c = "n32"
write(
    "n32-duplicate-keys.jsonl",
    ['{"workload_id": "other", ' + j(rec(c, 0))[1:]],
    ["loaded"],
)
c = "n33"
write(
    "n33-invalid-utf8.jsonl",
    None,
    ["loaded", "rejected:^the line is not valid UTF-8 text", "loaded"],
    raw=(j(rec(c, 0)) + "\n").encode() + j(rec(c, 1)).encode().replace(b"line 1", b"line \xff\xfe 1") + b"\n" + (j(rec(c, 2)) + "\n").encode(),
)
c = "n34"
write(
    "n34-nul-bytes.jsonl",
    None,
    ["loaded", "rejected:^the line holds NUL bytes", "loaded"],
    raw=(j(rec(c, 0)) + "\n" + j(rec(c, 1)).replace("line 1", "line \x00 1") + "\n" + j(rec(c, 2)) + "\n").encode(),
)
c = "n35"
u = []
for i, text in enumerate(["naïve café 😀", "中文 日本語 한국어", "עברית مرحبا", "e\u0301 combining", "\u2028 line separator \u2029"]):
    r = rec(c, i)
    r["request"]["messages"][0]["content"] += " " + text
    u.append(j(r, ensure_ascii=False))
r = rec(c, 9)
u.append(j(r)[:-1] + ', "escaped": "\\ud83d\\ude00 \\u00e9"}')
write("n35-unicode.jsonl", u, ["loaded"] * 6)
c = "n36"
t = j(rec(c, 0)).replace("line 0", "line\t0")
write(
    "n36-control-characters.jsonl",
    [t, j(rec(c, 1))[:-1] + ', "bell": "\\u0007 and \\u0000"}'],
    ["rejected:^not valid JSON", "loaded"],
)
c = "n37"
conv = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
write(
    "n37-conversation-format-without-workload.jsonl",
    [j(conv), j({"messages": [{"role": "user", "content": "only one"}]}), j(rec(c, 0))],
    ["rejected:needs a workload id", "rejected:needs a workload id", "loaded"],
)
c = "n38"
stray = j(rec(c, 1)).replace(', "client_id"', ',\r "client_id"')
write(
    "n38-whitespace-around-records.jsonl",
    ["  \t" + j(rec(c, 0)) + " \t ", stray],
    ["loaded", "loaded"],
)
write("n39-empty.jsonl", [], [])
manifest["n39-empty.jsonl"]["client"] = "n39"
write("n40-only-blank-lines.jsonl", ["", "  ", "\t", ""], ["blank"] * 4)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as zf:
    zf.writestr("logs.jsonl", j(rec("n41", 0)) + "\n")
with open(os.path.join(FILES, "n41-zip-archive.zip"), "wb") as f:
    f.write(buf.getvalue())
manifest["n41-zip-archive.zip"] = {"client": "n41", "inputError": "is a zip archive; unzip it first", "outcomes": []}
with open(os.path.join(FILES, "n42-bzip2.jsonl.bz2"), "wb") as f:
    f.write(bz2.compress((j(rec("n42", 0)) + "\n").encode()))
manifest["n42-bzip2.jsonl.bz2"] = {"client": "n42", "inputError": "is bzip2-compressed", "outcomes": []}
with open(os.path.join(FILES, "n43-utf32.jsonl"), "wb") as f:
    f.write((j(rec("n43", 0)) + "\n").encode("utf-32"))
manifest["n43-utf32.jsonl"] = {"client": "n43", "inputError": "is UTF-32 text", "outcomes": []}
# the first bytes of a PNG image, as if the wrong file had been picked
with open(os.path.join(FILES, "n44-binary-image.png"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa\n")
manifest["n44-binary-image.png"] = {
    "client": "n44",
    "outcomes": ["rejected:is not valid UTF-8", "rejected:^not valid JSON", "rejected:holds NUL bytes"],
}
c = "n45"
write(
    "n45-extra-fields-kept.jsonl",
    [j(rec(c, 0, metadata={"session": "s1", "tags": ["a", "b"]}, latency_ms=12.5))],
    ["loaded"],
)
c = "n46"
r = rec(c, 0)
r["response"]["choices"][0]["message"] = {
    "role": "assistant",
    "content": None,
    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}],
}
write("n46-tool-call-arguments-as-string.jsonl", [j(r)], ["loaded"])
c = "n47"
write("n47-request-empty-object.jsonl", [j(rec(c, 0, request={}))], ["loaded"])
with open(os.path.join(FILES, "n48-gzip-empty.jsonl.gz"), "wb") as f:
    f.write(gzip.compress(b"", mtime=0))
manifest["n48-gzip-empty.jsonl.gz"] = {"client": "n48", "encoding": "gzip", "eol": "lf", "outcomes": []}
c = "n49"
write(
    "n49-empty-tags.jsonl",
    [j(rec(c, 0, workload_id="")), j(rec(c, 1, client_id=""))],
    ["rejected:^workload_id: is empty$", "rejected:^client_id: is empty$"],
)
c = "n50"
write(
    "n50-long-invalid-line-message-is-clipped.jsonl",
    ['{"timestamp": "2026-01-01", "request": "' + "z" * 40000 + '" oops}', j(rec(c, 0))],
    ["rejected:^not valid JSON", "loaded"],
    extra={"maxReasonLength": 400},
)

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"{len(manifest)} files")
