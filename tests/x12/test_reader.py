"""The segment reader: delimiters from the ISA, any line breaks, junk, chunk boundaries."""
from __future__ import annotations

import pytest

from claimkit.errors import InputError
from claimkit.x12.reader import SegmentReader, iter_file, read_segments


def _ids(segs):
    return [s.id for s in segs]


def test_reference_segments(reference_text, ref_segments) -> None:
    segs = list(read_segments(reference_text.encode("latin-1")))
    assert [s.raw for s in segs] == ref_segments
    assert [s.index for s in segs] == list(range(1, len(ref_segments) + 1))
    d = segs[0].delimiters
    assert (d.element, d.component, d.repetition, d.segment) == ("*", ":", "^", "~")
    sv1 = segs[26]
    assert sv1.id == "SV1" and sv1.el(1) == "HC:97110:GP" and sv1.comp(7) == ["1", "2"]
    assert sv1.el(99) == "" and segs[0].el(6) == "CLAIMKITSUB    "


@pytest.mark.parametrize("layout", ["lf", "crlf", "none", "cr-terminated-lines"])
def test_line_break_layouts_read_the_same(layout, reference_text, ref_segments) -> None:
    body = {"lf": "~\n", "crlf": "~\r\n", "none": "~", "cr-terminated-lines": "~\r"}[layout]
    text = body.join(ref_segments) + body
    assert [s.raw for s in read_segments(text)] == ref_segments


def test_newline_as_terminator(ref_segments) -> None:
    text = "\n".join(ref_segments) + "\n"
    segs = list(read_segments(text))
    assert segs[0].delimiters.segment == "\n"
    assert [s.raw for s in segs] == ref_segments


def test_crlf_as_terminator(ref_segments) -> None:
    segs = list(read_segments("\r\n".join(ref_segments) + "\r\n"))
    assert [s.raw for s in segs] == ref_segments


def test_other_delimiters(ref_segments) -> None:
    conv = str.maketrans({"*": "|", ":": ">", "^": "}"})
    text = "!\n".join(s.translate(conv) for s in ref_segments) + "!\n"
    segs = list(read_segments(text))
    d = segs[0].delimiters
    assert (d.element, d.component, d.repetition, d.segment) == ("|", ">", "}", "!")
    assert segs[26].comp(1) == ["HC", "97110", "GP"]


def test_junk_between_interchanges_is_noted(reference_text) -> None:
    r = SegmentReader(["garbage before\n" + reference_text + "\n  junk \n" + reference_text])
    segs = list(r)
    assert _ids(segs).count("ISA") == 2 and len(segs) == 116
    assert [(n.kind, n.text, n.after) for n in r.notes] == [
        ("junk", "garbage before", 0), ("junk", "junk", 58)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 105, 106, 107, 4096])
def test_chunk_boundaries_do_not_matter(size, reference_text, ref_segments) -> None:
    text = reference_text.replace("~\n", "~\r\n") + reference_text
    chunks = [text[i:i + size] for i in range(0, len(text), size)]
    assert [s.raw for s in SegmentReader(chunks)] == ref_segments * 2


def test_iter_file_streams(tmp_path, reference_text, ref_segments, monkeypatch) -> None:
    import claimkit.x12.reader as reader

    monkeypatch.setattr(reader, "CHUNK", 50)  # force many chunks
    p = tmp_path / "f.x12"
    p.write_text(reference_text * 3)
    assert [s.raw for s in iter_file(p)] == ref_segments * 3


def test_new_isa_without_iea_switches_delimiters(ref_segments) -> None:
    first = "~".join(ref_segments[:-1]) + "~"  # no IEA
    conv = str.maketrans({"*": "|", ":": ">"})
    second = "!".join(s.translate(conv) for s in ref_segments) + "!"
    segs = list(read_segments(first + "\n" + second))
    assert _ids(segs).count("ISA") == 2 and len(segs) == 2 * len(ref_segments) - 1
    assert segs[-1].delimiters.element == "|" and segs[-1].id == "IEA"


@pytest.mark.parametrize("data", [b"", b"   \n", b"name,dob\nJOHN,1980-01-01\n", "{}", b"\xff\xfe"])
def test_not_x12_is_an_input_error(data) -> None:
    with pytest.raises(InputError, match="no usable ISA"):
        list(read_segments(data))


def test_unusable_isa_is_noted_not_raised(reference_text) -> None:
    r = SegmentReader(["ISAA00" + "x" * 200 + "\n" + reference_text])
    segs = list(r)
    assert segs[0].id == "ISA" and len(segs) == 58
    assert r.notes and r.notes[0].kind == "bad-isa"


def test_last_segment_without_terminator(ref_segments) -> None:
    text = "~".join(ref_segments)  # no final terminator
    assert [s.raw for s in read_segments(text)] == ref_segments


@pytest.mark.parametrize("text", ["ISA", "ISA*", "xxISA", "ISA*00", "ISA\n", "IS", "I"])
def test_truncated_isa_ends(text) -> None:
    r = SegmentReader([text])
    with pytest.raises(InputError):
        list(read_segments(text))
    list(r)
    assert len(r.notes) <= 2


def test_every_truncation_of_the_reference_ends(reference_text) -> None:
    """Exhaustive (not sampled): each prefix of the reference is read to its end."""
    for at in range(len(reference_text) + 1):
        r = SegmentReader([reference_text[:at]])
        segs = list(r)
        assert len(segs) <= 58 and len(r.notes) <= 2


def test_utf8_byte_order_mark_before_isa_is_not_junk(repo):
    """Read past, and noted as a BOM (CK-X020 warns), not as junk text (CK-X017)."""
    from claimkit.x12.reader import Note, SegmentReader, read_segments

    data = b"\xef\xbb\xbf" + (repo / "tests" / "x12" / "cases" / "reference.x12").read_bytes()
    reader = SegmentReader([data.decode("latin-1")])
    segs = list(read_segments(data, reader=reader))
    assert segs[0].id == "ISA" and segs[0].index == 1 and reader.notes == [Note("bom", "", 0)]
