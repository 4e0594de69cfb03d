"""Importers: each official layout round-trips through the user store; malformed files are refused
with a line number and leave the store untouched."""
from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date

import pytest

from claimkit.codesets import CodesetError, Status, default_registry, import_files
from claimkit.codesets.importers.hcpcs import guess_release as hcpcs_guess
from claimkit.codesets.importers.icd import guess_release as icd_guess
from claimkit.codesets.importers.ncci import guess_quarter


def _store_state(store):
    return sorted(p.relative_to(store).as_posix() for p in store.rglob("*")) if store.exists() else []


def test_icd_order_file_round_trip(store, samples):
    [rel] = import_files(store, "icd10cm", [samples / "icd10cm_order_2099.txt"])
    assert (rel.name, rel.effective_from, rel.effective_to, rel.origin) == (
        "FY2099", date(2098, 10, 1), date(2099, 9, 30), "user")
    reg = default_registry(store)
    found = reg.lookup("icd10cm", "M54.5", date(2099, 1, 1))
    assert found.status is Status.HEADER and found.release == "FY2099"
    assert found.replacements == ("M5450", "M5451", "M5459")
    assert reg.lookup("icd10cm", "Z99.90", date(2099, 1, 1)).status is Status.BILLABLE
    assert reg.lookup("icd10cm", "M54.5", date(2021, 1, 1)).release == "FY2021"  # bundled still there
    manifest = json.loads((store / "manifest.json").read_text())
    assert manifest["releases"][0]["sha256"] == rel.sha256


def test_icd_codes_file_derives_headers(store, samples):
    import_files(store, "icd10cm", [samples / "icd10cm_codes_2099.txt"])
    found = default_registry(store).lookup("icd10cm", "S13.4", date(2099, 1, 1))
    assert found.status is Status.HEADER and found.replacements == ("S134XXA",)


def test_icd_inside_cms_zip(store, samples, tmp_path):
    archive = tmp_path / "2099-code-descriptions-in-tabular-order.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(samples / "icd10cm_order_2099.txt", "icd10cm_order_2099.txt")
        zf.write(samples / "icd10cm_codes_2099.txt", "icd10cm_codes_2099.txt")
        zf.writestr("icd10cm_order_addenda_2099.txt", "not a release")
    [rel] = import_files(store, "icd10cm", [archive], name="FY2099")
    assert default_registry(store).table(rel).entry("M545") == (False, "Low back pain", "")


def test_icd_corrupt_line_refused_and_store_untouched(store, samples, tmp_path):
    import_files(store, "icd10cm", [samples / "icd10cm_codes_2099.txt"])
    before = _store_state(store)
    lines = (samples / "icd10cm_order_2099.txt").read_bytes().split(b"\r\n")
    lines[3] = lines[3][:14] + b"7" + lines[3][15:]  # billable flag must be 0 or 1
    bad = tmp_path / "icd10cm_order_2098.txt"
    bad.write_bytes(b"\r\n".join(lines))
    with pytest.raises(CodesetError, match=r"line 4: expected an order-file record"):
        import_files(store, "icd10cm", [samples / "icd10cm_order_2099.txt", bad], replace=True)
    assert _store_state(store) == before


def test_hcpcs_fixed_width_round_trip(store, samples):
    [rel] = import_files(store, "hcpcs", [samples / "HCPC2099_CONTR_ANWEB_sample.txt"])
    assert (rel.name, rel.effective_from, rel.effective_to) == ("2099", date(2099, 1, 1), date(2099, 12, 31))
    reg = default_registry(store)
    found = reg.lookup("hcpcs", "G0283", date(2099, 5, 1))
    assert found.status is Status.BILLABLE
    assert found.label.endswith("other than wound care, as part of a therapy plan of care")  # continuation record
    assert reg.lookup("hcpcs", "ZZ", date(2099, 7, 1)).status is Status.TERMINATED  # action D, termination date
    assert reg.lookup("modifier", "ZZ", date(2099, 5, 1)).status is Status.BILLABLE  # modifiers fall back to HCPCS
    g9999 = reg.lookup("procedure", "G9999", date(2099, 5, 1))  # not in the therapy table: HCPCS answers
    assert g9999.status is Status.BILLABLE and g9999.release == "2099" and "é" in g9999.label


@pytest.mark.parametrize("mutate,where", [
    (lambda ln: ln[:10] + "9" + ln[11:], "line 4"),          # record id must be 3/4/7/8
    (lambda ln: ln + "X", "line 4"),                         # 321 characters
    (lambda ln: ln[:292] + "Q" + ln[293:], "line 4"),        # action code
    (lambda ln: ln[:268] + "20991340" + ln[276:], "line 4"),  # add date
])
def test_hcpcs_malformed_record_refused(store, samples, tmp_path, mutate, where):
    lines = (samples / "HCPC2099_CONTR_ANWEB_sample.txt").read_bytes().decode("cp1252").split("\r\n")
    lines[3] = mutate(lines[3])
    bad = tmp_path / "HCPC2099_bad.txt"
    bad.write_bytes("\r\n".join(lines).encode("cp1252"))
    with pytest.raises(CodesetError, match=where):
        import_files(store, "hcpcs", [bad])
    assert not store.exists()  # refused while parsing, before the store is touched


def test_hcpcs_orphan_continuation_refused(store, samples, tmp_path):
    lines = (samples / "HCPC2099_CONTR_ANWEB_sample.txt").read_bytes().decode("cp1252").split("\r\n")
    del lines[3]  # ZZ first record; its continuation on the next line is now orphaned
    bad = tmp_path / "HCPC2099_bad.txt"
    bad.write_bytes("\r\n".join(lines).encode("cp1252"))
    with pytest.raises(CodesetError, match=r"line 4: expected continuation record"):
        import_files(store, "hcpcs", [bad])


def test_ptp_official_layout_round_trip(store, samples):
    [rel] = import_files(store, "ncci-ptp", [samples / "ccipra-v1051r0-f1-sample.txt"],
                         name="2099Q2", effective_from=date(2099, 4, 1), effective_to=date(2099, 6, 30))
    reg = default_registry(store)
    edit = reg.ptp_edit("97140", "97124", date(2099, 5, 1))
    assert edit.release == "2099Q2" and edit.modifier_indicator == "0" and edit.effective == date(1996, 1, 1)
    assert reg.ptp_edit("97164", "97750", date(2099, 4, 1)).modifier_indicator == "0"
    assert reg.ptp_edit("97140", "97530", date(2099, 5, 1)).deletion == date(2099, 12, 31)


def test_ptp_needs_dates_when_the_name_has_none(store, samples):
    with pytest.raises(CodesetError, match="--effective-from"):
        import_files(store, "ncci-ptp", [samples / "ccipra-v1051r0-f1-sample.txt"])


def test_ptp_bad_modifier_indicator_refused(store, samples, tmp_path):
    text = (samples / "ccipra-v1051r0-f1-sample.txt").read_text(encoding="cp1252")
    bad = tmp_path / "ccipra-v301r0-f1.txt"
    bad.write_text(text.replace("\t1\tMutually", "\t5\tMutually"), encoding="cp1252")
    with pytest.raises(CodesetError, match=r"line 5: expected column1<TAB>column2"):
        import_files(store, "ncci-ptp", [bad])


def test_mue_multiline_header_round_trip(store, samples):
    [rel] = import_files(store, "mue", [samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"])
    assert (rel.name, rel.effective_from, rel.effective_to) == ("2099Q2", date(2099, 4, 1), date(2099, 6, 30))
    mue = default_registry(store).mue("97161", date(2099, 5, 1))
    assert (mue.value, mue.adjudication_indicator, mue.release) == (1, 2, "2099Q2")


def test_mue_bad_value_refused(store, samples, tmp_path):
    text = (samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv").read_text(encoding="cp1252")
    bad = tmp_path / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"
    bad.write_text(text.replace('"97124","4"', '"97124","four"'), encoding="cp1252")
    with pytest.raises(CodesetError, match=r"line 9: expected code,MUE value"):
        import_files(store, "mue", [bad])


def test_cpt_descriptors_round_trip(store, samples):
    [rel] = import_files(store, "cpt", [samples / "cpt_2099_descriptors_sample.csv"])
    assert (rel.name, rel.effective_from) == ("CPT2099", date(2099, 1, 1))
    [rel] = import_files(store, "cpt", [samples / "cpt_2099_descriptors_sample.csv"], name="CPT2024",
                         effective_from=date(2024, 1, 1), effective_to=date(2024, 12, 31))
    reg = default_registry(store)
    found = reg.lookup("procedure", "97124", date(2024, 3, 1))
    assert found.label == "Massage"  # our own label stays; the licensed text is an attribute
    assert found.attrs["descriptor"] == "Synthetic licensed text, with a comma, for 97124"
    assert reg.lookup("procedure", "0001F", date(2024, 3, 1)).release == rel.name
    assert reg.lookup("procedure", "0001F", date(2099, 3, 1)).release == "CPT2099"


def test_cpt_bad_code_refused(store, samples, tmp_path):
    bad = tmp_path / "cpt_2099.csv"
    bad.write_text("code,long_descriptor\n97110,ok\n9711,too short\n")
    with pytest.raises(CodesetError, match=r"line 3: expected a 5-character CPT code"):
        import_files(store, "cpt", [bad])


def test_existing_release_needs_replace(store, samples):
    import_files(store, "mue", [samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"])
    with pytest.raises(CodesetError, match="--replace"):
        import_files(store, "mue", [samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"])
    import_files(store, "mue", [samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"], replace=True)
    assert len(json.loads((store / "manifest.json").read_text())["releases"]) == 1


def test_file_name_guesses():
    assert icd_guess("icd10cm_order_2026_april.txt")[0:2] == ("FY2026-april", date(2026, 4, 1))
    assert hcpcs_guess("HCPC2024_APR_ANWEB_v2.txt") == ("2024-APR", date(2024, 4, 1), date(2024, 6, 30))
    assert hcpcs_guess("HCPC2024_OCT_ANWEB.txt")[2] == date(2024, 12, 31)
    assert guess_quarter("ccipra-v301r0-f1.txt") == ("2024Q2", date(2024, 4, 1), date(2024, 6, 30))


# --- the real CMS-layout files (copies in tests/data/public) -------------------------------------------

def test_real_icd_files_match_bundled(store, public_data):
    import_files(store, "icd10cm", [public_data / "icd10cm/FY2025/icd10cm_order_2025.txt"], name="FY2025-user")
    import_files(store, "icd10cm", [public_data / "icd10cm/FY2024/icd10cm_codes_2024.txt"], name="FY2024-user")
    d = default_registry(store).diff("icd10cm", "FY2024-user", "FY2025-user")
    assert (len(d.added), len(d.deleted), len(d.revised)) == (252, 36, 13)


def test_real_icd_crlf_in_zip(store, public_data, tmp_path):
    archive = tmp_path / "icd10cm-2021.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(public_data / "icd10cm/FY2021/icd10cm_order_2021_jan.txt", "icd10cm_order_2021.txt")
    [rel] = import_files(store, "icd10cm", [archive], name="FY2021-user",
                         effective_from=date(2020, 10, 1), effective_to=date(2021, 9, 30))
    assert default_registry(store).table(rel).entry("M545")[0] is True


def test_real_hcpcs_2019(store, public_data):
    import_files(store, "hcpcs", [public_data / "hcpcs/HCPC2019_CONTR_ANWEB.txt"])
    reg = default_registry(store)
    assert reg.lookup("hcpcs", "G0515", date(2019, 6, 1)).status is Status.BILLABLE
    assert reg.lookup("modifier", "CQ", date(2019, 6, 1)).status is Status.BILLABLE
    sample = public_data / "hcpcs/HCPC2019_CONTR_ANWEB_sample_therapy.txt"
    assert import_files(store, "hcpcs", [sample], name="2019-sample")[0].name == "2019-sample"


def test_real_ncci_and_mue(store, public_data):
    shutil.copy(public_data / "ncci/ptp_practitioner_v30.1_2024-04-01_therapy.tsv", store.parent / "ptp.tsv")
    import_files(store, "ncci-ptp", [public_data / "ncci/ptp_practitioner_v30.1_2024-04-01_therapy.tsv"],
                 name="user-2024Q2")
    import_files(store, "mue", [public_data / "ncci/mue_practitioner_2024-04-01_therapy.csv"], name="user-2024Q2")
    reg = default_registry(store)
    assert reg.ptp_edit("97140", "97124", date(2024, 5, 1)).release == "user-2024Q2"
    assert reg.mue("97110", date(2024, 5, 1)).value == 6
