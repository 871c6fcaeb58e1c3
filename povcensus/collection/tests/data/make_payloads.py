"""Regenerate the submission payloads in this folder (run from the repository root).

    .venv/bin/python povcensus/collection/tests/data/make_payloads.py

The payloads are what ODK Collect posts for the built-in household form (id ``household``,
version 2023090101): the instance XML exactly as Collect serialises it, and multipart
bodies laid out as Collect's HTTP client (okhttp) writes them — one part named
``xml_submission_file``, each attachment in a part named after its file, and
``*isIncomplete*=yes`` on all but the last part of a split upload.  The households are
demo-town households (seed 11): 4312021102010001 (village 金山村) and 4312021102160001
(village 大湾村).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
BOUNDARY = "9431149156168"  # okhttp uses a UUID; any fixed token serves the tests

MEMBER = """<members><m_key>{hh}-{i}</m_key><m_reg_name>{name}</m_reg_name><m_reg_id_number>{id}</m_reg_id_number><m_reg_relation>{rel}</m_reg_relation><m_reg_sex>{sex}</m_reg_sex><m_status>1</m_status><m_change_reason/><m_name>{name}</m_name><m_sex>{sex}</m_sex><m_id_type>1</m_id_type><m_id_number>{id}</m_id_number><m_age>{age}</m_age><m_age_note/><m_relation>{rel}</m_relation><m_details><m_ethnicity>01</m_ethnicity><m_education>{edu}</m_education><m_student_status>{student}</m_student_status><m_health>1</m_health><m_labour_skill>{labour}</m_labour_skill><m_work_status>{work}</m_work_status><m_work_months>{months}</m_work_months><m_ins_resident_medical>1</m_ins_resident_medical><m_ins_employee_medical>2</m_ins_employee_medical><m_ins_critical_illness>1</m_ins_critical_illness><m_medical_assistance>2</m_medical_assistance><m_pension_resident>1</m_pension_resident><m_pension_employee>2</m_pension_employee><m_dibao>0</m_dibao><m_tekun>0</m_tekun><m_public_welfare_job>2</m_public_welfare_job><m_relocated>2</m_relocated>{school}</m_details></members>"""

MEMBERS = [
    {
        "name": "张建国",
        "id": "431202197503120019",
        "rel": "01",
        "sex": "1",
        "age": "48",
        "edu": "3",
        "student": "00",
        "labour": "1",
        "work": "3",
        "months": "10",
        "school": "",
    },
    {
        "name": "李秀英",
        "id": "431202197708230027",
        "rel": "02",
        "sex": "2",
        "age": "46",
        "edu": "2",
        "student": "00",
        "labour": "1",
        "work": "1",
        "months": "8",
        "school": "",
    },
    {
        "name": "张小明",
        "id": "431202201105150011",
        "rel": "03",
        "sex": "1",
        "age": "12",
        "edu": "2",
        "student": "16",
        "labour": "5",
        "work": "0",
        "months": "",
        "school": "<m_in_school>1</m_in_school>",
    },
]


def household_xml(
    *,
    hh: str,
    instance_id: str,
    deprecated_id: str = "",
    wage: str = "36000",
    signature: bool = True,
    version: str = "2023090101",
) -> str:
    members = "".join(MEMBER.format(hh=hh, i=i, **m) for i, m in enumerate(MEMBERS, start=1))
    deprecated = f"<deprecatedID>{deprecated_id}</deprecatedID>" if deprecated_id else ""
    total = int(wage) + 4200 + 600
    per_capita = f"{(total - 1500) / 3:.2f}"
    return (
        "<?xml version='1.0' ?>"
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="household" version="{version}">'
        "<start>2023-09-09T09:12:31.101+08:00</start><end>2023-09-09T10:02:11.554+08:00</end><today>2023-09-09</today>"
        "<deviceid>collect:Xk2b8ZqL9mNpQ7rT</deviceid><username>dcy01</username>"
        f"<reference_date>2023-09-08</reference_date><income_line>4000.00</income_line><hh_number>{hh}</hh_number>"
        "<reg_head_name>张建国</reg_head_name><reg_village_code>431202110201</reg_village_code><reg_village_name>金山村</reg_village_name>"
        "<reg_size>3</reg_size><reg_attribute>1</reg_attribute><reg_exit_status>03</reg_exit_status><reg_main_cause>01</reg_main_cause>"
        "<reg_phone>13812345678</reg_phone><reg_member_count>3</reg_member_count><z_register_note/><z_outcome>1</z_outcome>"
        "<z_noninterview_reason_note/><z_evidence_photo/>"
        "<a><a_identification_standard>1</a_identification_standard><a_attribute>1</a_attribute><a_exit_status>03</a_exit_status>"
        "<a_exit_year>2018</a_exit_year><a_main_cause>01</a_main_cause><a_other_causes>07</a_other_causes><a_phone>13812345678</a_phone>"
        "<a_military_family>2</a_military_family><a_only_child>2</a_only_child><a_two_daughters>2</a_two_daughters></a>"
        f"<b><b_member_rows>3</b_member_rows><members_count>3</members_count>{members}<h_size>3</h_size><b_members_confirmed>1</b_members_confirmed></b>"
        "<c><c_enough_food>1</c_enough_food><c_meat_eggs_soy>1</c_meat_eggs_soy><c_seasonal_clothing>1</c_seasonal_clothing></c>"
        "<e><e_hospital_times>0</e_hospital_times><e_hospital_cost>0</e_hospital_cost><e_reimbursed>0</e_reimbursed><e_assistance>0</e_assistance><e_out_of_pocket>0</e_out_of_pocket></e>"
        "<f><f_owns_house>1</f_owns_house><f_dwellings>1</f_dwellings><f_structure>2</f_structure><f_year_built>2009</f_year_built><f_area>120</f_area>"
        "<f_appraised>1</f_appraised><f_grade>A</f_grade><f_safety_route>1</f_safety_route><f_relocation_debt>0</f_relocation_debt></f>"
        "<g><g_source>1</g_source><g_quantity>1</g_quantity><g_quality>1</g_quality><g_convenience>1</g_convenience><g_guarantee>1</g_guarantee></g>"
        f"<h><h_wage_work>{wage}</h_wage_work><h_wage_pwj>0</h_wage_pwj><h_wage_other>0</h_wage_other><h_wage_total>{wage}</h_wage_total>"
        "<h_prod_crops>4200</h_prod_crops><h_prod_livestock>0</h_prod_livestock><h_prod_forestry>0</h_prod_forestry><h_prod_other>0</h_prod_other><h_prod_total>4200</h_prod_total>"
        "<h_prop_dividends>600</h_prop_dividends><h_prop_land_rent>0</h_prop_land_rent><h_prop_other>0</h_prop_other><h_prop_total>600</h_prop_total>"
        "<h_trans_family_planning>0</h_trans_family_planning><h_trans_dibao>0</h_trans_dibao><h_trans_tekun>0</h_trans_tekun><h_trans_pension>0</h_trans_pension>"
        "<h_trans_eco>0</h_trans_eco><h_trans_other>0</h_trans_other><h_trans_total>0</h_trans_total><h_expenditure>1500</h_expenditure>"
        f"<h_net_income>{total - 1500}</h_net_income><h_per_capita>{per_capita}</h_per_capita><h_summary/><h_below_line>0</h_below_line></h>"
        "<i><i_measures>industry health</i_measures><i_industry_effect>2</i_industry_effect><i_small_loan>2</i_small_loan><i_cooperative>1</i_cooperative>"
        "<i_helper_name>王帮扶</i_helper_name><i_helper_unit>鹤城区农业农村局</i_helper_unit><i_helper_phone>13900000000</i_helper_phone><i_projects>1</i_projects></i>"
        "<j><j_recognises_exit>1</j_recognises_exit><j_satisfaction_helpers>1</j_satisfaction_helpers><j_satisfaction_policy>1</j_satisfaction_policy></j>"
        "<k><k_cultivated_land>3.5</k_cultivated_land><k_forest_land>0</k_forest_land><k_orchard_land>0</k_orchard_land><k_pasture_land>0</k_pasture_land>"
        "<k_water_surface>0</k_water_surface><k_road_type>3</k_road_type><k_distance_main_road>0.3</k_distance_main_road><k_electricity>1</k_electricity>"
        "<k_sanitary_toilet>1</k_sanitary_toilet><k_cooking_fuel>4</k_cooking_fuel></k>"
        "<z><z_gps>27.5501 109.9972 312.0 4.8</z_gps><z_photo_hukou>hukou-1694226001.jpg</z_photo_hukou><z_photo_helpbook/>"
        f"<z_respondent_name>张建国</z_respondent_name><z_signature>{'signature-1694226011.png' if signature else ''}</z_signature><z_note/></z>"
        f"<meta><instanceID>{instance_id}</instanceID>{deprecated}<instanceName>{hh} 张建国</instanceName></meta></data>"
    )


def part(name: str, filename: str | None, content_type: str | None, body: bytes) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    headers = f"Content-Disposition: {disposition}\r\n"
    if content_type:
        headers += f"Content-Type: {content_type}\r\n"
    headers += f"Content-Length: {len(body)}\r\n"
    return f"--{BOUNDARY}\r\n{headers}\r\n".encode() + body + b"\r\n"


def multipart(
    xml: bytes,
    attachments: list[tuple[str, str, bytes]],
    *,
    incomplete: bool = False,
    xml_name: str = "household_2023-09-09_10-02-11.xml",
) -> bytes:
    body = part("xml_submission_file", xml_name, "text/xml", xml)
    for filename, content_type, data in attachments:
        body += part(filename, filename, content_type, data)
    if incomplete:
        body += part("*isIncomplete*", None, None, b"yes")
    return body + f"--{BOUNDARY}--\r\n".encode()


# A tiny valid JPEG (1x1) and PNG stand in for the photo and the signature.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

FIRST_ID = "uuid:5b1e5c4e-2f0a-4f6e-9c4b-1a2b3c4d5e6f"
EDIT_ID = "uuid:8c9d0e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
OTHER_ID = "uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def main() -> None:
    first = household_xml(hh="4312021102010001", instance_id=FIRST_ID).encode()
    (HERE / "household-first.xml").write_bytes(first)
    attachments = [
        ("hukou-1694226001.jpg", "image/jpeg", JPEG),
        ("signature-1694226011.png", "image/png", PNG),
    ]
    (HERE / "household-first.multipart").write_bytes(multipart(first, attachments))
    (HERE / "household-first-part1.multipart").write_bytes(
        multipart(first, attachments[:1], incomplete=True)
    )
    (HERE / "household-first-part2.multipart").write_bytes(multipart(first, attachments[1:]))
    conflict = household_xml(hh="4312021102010001", instance_id=FIRST_ID, wage="38000").encode()
    (HERE / "household-conflict.multipart").write_bytes(multipart(conflict, []))
    edit = household_xml(
        hh="4312021102010001", instance_id=EDIT_ID, deprecated_id=FIRST_ID, wage="38000"
    ).encode()
    (HERE / "household-edit.multipart").write_bytes(multipart(edit, []))
    other = household_xml(hh="4312021102160001", instance_id=OTHER_ID).encode()
    (HERE / "household-other-team.multipart").write_bytes(multipart(other, attachments))
    unknown = household_xml(
        hh="4312021102010001", instance_id=OTHER_ID, version="2099010101"
    ).encode()
    (HERE / "household-unknown-version.multipart").write_bytes(multipart(unknown, []))
    (HERE / "malformed.multipart").write_bytes(multipart(first[: len(first) // 2], []))
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<data id="household" version="2023090101"><hh_number>&xxe;</hh_number>'
        b"<meta><instanceID>uuid:11111111-1111-4111-8111-111111111111</instanceID></meta></data>"
    )
    (HERE / "xxe.multipart").write_bytes(multipart(xxe, []))
    lol = b'<!ENTITY lol "lol">' + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE data [' + lol + b"]>"
        b'<data id="household" version="2023090101"><hh_number>&lol9;</hh_number>'
        b"<meta><instanceID>uuid:22222222-2222-4222-8222-222222222222</instanceID></meta></data>"
    )
    (HERE / "entity-bomb.multipart").write_bytes(multipart(bomb, []))


if __name__ == "__main__":
    main()
