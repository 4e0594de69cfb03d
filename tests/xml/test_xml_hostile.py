"""Hostile and broken XML is refused with a clear InputError naming the file (and line)."""
from __future__ import annotations

import re
import time

import pytest

from claimkit.errors import InputError
from claimkit.xml import read_xml, write_xml
from claimkit.xml import reader as xml_reader

ROOT = '<claimBatch xmlns="urn:claimkit:claims:1.0" version="1.0">'
SECRET = "CLAIMKIT-SECRET-7f3a"

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE claimBatch [<!ENTITY xxe SYSTEM "file://{{path}}">]>
{ROOT}<submitter><name>&xxe;</name><id>X</id></submitter></claimBatch>"""

PARAM_XXE = """<?xml version="1.0"?>
<!DOCTYPE claimBatch [<!ENTITY % ext SYSTEM "file://{path}"> %ext;]>
""" + ROOT + "</claimBatch>"

LAUGHS = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)
) + "]>\n" + ROOT + "<submitter><name>&lol9;</name><id>X</id></submitter></claimBatch>"

EXTERNAL_DTD = ('<?xml version="1.0"?>\n<!DOCTYPE claimBatch SYSTEM "http://127.0.0.1:9/claims.dtd">\n'
                + ROOT + "</claimBatch>")


@pytest.fixture()
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _payloads(secret_file):
    return {
        "xxe": XXE.replace("{path}", str(secret_file)),
        "parameter-entity xxe": PARAM_XXE.replace("{path}", str(secret_file)),
        "billion laughs": LAUGHS,
        "external dtd": EXTERNAL_DTD,
    }


@pytest.mark.parametrize("kind", ["xxe", "parameter-entity xxe", "billion laughs", "external dtd"])
def test_hostile_documents_are_refused(kind, secret_file, tmp_path) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(_payloads(secret_file)[kind])
    start = time.perf_counter()
    with pytest.raises(InputError) as exc:
        read_xml(path)
    assert time.perf_counter() - start < 2
    assert str(path) in str(exc.value)
    assert "DOCTYPE" in str(exc.value)
    assert SECRET not in str(exc.value)


@pytest.mark.parametrize("kind", ["xxe", "parameter-entity xxe", "billion laughs", "external dtd"])
def test_parser_itself_refuses_when_the_prescan_misses(kind, secret_file, monkeypatch) -> None:
    """Second line of defence: with the byte pre-scan disabled, the hardened parser loads no
    DTD, expands no entity, reads no file, and the DOCTYPE is still refused after parsing."""
    monkeypatch.setattr(xml_reader, "_DOCTYPE", re.compile(rb"(?!x)x"))
    start = time.perf_counter()
    with pytest.raises(InputError) as exc:
        read_xml(_payloads(secret_file)[kind].encode(), file="h.xml")
    assert time.perf_counter() - start < 2
    assert SECRET not in str(exc.value)
    assert "h.xml" in str(exc.value)
    assert re.search("DOCTYPE|external resource .* refused|entity amplification", str(exc.value))


def test_doctype_in_utf16_is_refused(secret_file) -> None:
    data = XXE.replace("{path}", str(secret_file)).replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(InputError, match="DOCTYPE"):
        read_xml(data, file="u16.xml")


def test_size_bound(sample_batch, tmp_path) -> None:
    path = tmp_path / "big.xml"
    path.write_text(write_xml(sample_batch))
    with pytest.raises(InputError, match="limit"):
        read_xml(path, max_bytes=100)
    assert read_xml(path) == sample_batch


def test_xinclude_is_not_processed(secret_file) -> None:
    doc = (ROOT.replace(">", ' xmlns:xi="http://www.w3.org/2001/XInclude">', 1)
           + f'<xi:include href="{secret_file}" parse="text"/></claimBatch>')
    with pytest.raises(InputError) as exc:
        read_xml(doc.encode(), file="xi.xml")
    assert "schema" in str(exc.value) and SECRET not in str(exc.value)


def test_not_well_formed_names_file_and_line() -> None:
    with pytest.raises(InputError, match=r"^bad\.xml: line 4: not well-formed"):
        read_xml(b'<?xml version="1.0"?>\n' + ROOT.encode() + b"\n<submitter>\n</claimBatch>",
                 file="bad.xml")


def test_schema_error_names_line(sample_batch) -> None:
    text = write_xml(sample_batch).replace("<units>2</units>", "<units>two</units>", 1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "<units>two" in ln)
    with pytest.raises(InputError, match=rf"^s\.xml: line {line}: does not match the claims schema"):
        read_xml(text.encode(), file="s.xml")


def test_model_error_names_line_and_field(sample_batch) -> None:
    # xs:date accepts a time zone; the model's date does not: caught after the XSD
    text = write_xml(sample_batch).replace("<birthDate>1980-03-15</birthDate>",
                                           "<birthDate>1980-03-15+05:00</birthDate>", 1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "+05:00" in ln)
    where = rf"^m\.xml: line {line}: claims\[1\]\.subscriber\.birth_date"
    with pytest.raises(InputError, match=where + ": expected a date"):
        read_xml(text.encode(), file="m.xml")


def test_wrong_namespace_or_version_is_named(sample_batch) -> None:
    text = write_xml(sample_batch).replace("urn:claimkit:claims:1.0", "urn:claimkit:claims:2.0")
    with pytest.raises(InputError, match="expected claimBatch in namespace urn:claimkit:claims:1.0"):
        read_xml(text.encode(), file="v2.xml")
