"""The built-in questionnaires' fields as a rule-book schema (pure: no ORM, no HTTP).

Written out from the field dictionaries ``docs/questionnaires/household-fields.md`` and
``village-fields.md`` (the contract between forms, rules and collection).  A test checks
that this module and the dictionaries name the same fields.  Calculations carry the type
of their value (``calculate:integer``).  When the questionnaire app's ``xform_schema``
extracts the same mapping from the compiled XLSForm, callers pass that instead.
"""

from __future__ import annotations

from povcensus.rules.schema import Schema

S1 = "select_one"
SM = "select_multiple"
INT = "integer"
DEC = "decimal"
TEXT = "text"

HOUSEHOLD_FIELDS: dict[str, str] = {
    # Meta and outcome (Z)
    "start": "start",
    "end": "end",
    "today": "today",
    "deviceid": "deviceid",
    "username": "username",
    "hh_number": "select_one_from_file",
    "z_outcome": S1,
    "z_noninterview_reason_note": TEXT,
    "z_evidence_photo": "image",
    "z_gps": "geopoint",
    "z_photo_hukou": "image",
    "z_photo_helpbook": "image",
    "z_signature": "image",
    "z_respondent_name": TEXT,
    "z_note": TEXT,
    # A. Identification
    "reg_head_name": "calculate:text",
    "reg_village_code": "calculate:text",
    "reg_village_name": "calculate:text",
    "reg_size": "calculate:integer",
    "reg_attribute": "calculate:text",
    "reg_exit_status": "calculate:text",
    "reg_main_cause": "calculate:text",
    "reg_phone": "calculate:text",
    "reference_date": "calculate:date",
    "income_line": "calculate:decimal",
    "a_identification_standard": S1,
    "a_attribute": S1,
    "a_exit_status": S1,
    "a_exit_year": INT,
    "a_main_cause": S1,
    "a_other_causes": SM,
    "a_phone": TEXT,
    "a_military_family": S1,
    "a_only_child": S1,
    "a_two_daughters": S1,
    # After the members repeat
    "h_size": "calculate:integer",
    # C. Food and clothing
    "c_enough_food": S1,
    "c_meat_eggs_soy": S1,
    "c_seasonal_clothing": S1,
    # E. Medical
    "e_hospital_times": INT,
    "e_hospital_cost": DEC,
    "e_reimbursed": DEC,
    "e_assistance": DEC,
    "e_out_of_pocket": DEC,
    # F. Housing
    "f_owns_house": S1,
    "f_dwellings": INT,
    "f_structure": S1,
    "f_year_built": INT,
    "f_area": DEC,
    "f_appraised": S1,
    "f_grade": S1,
    "f_safety_route": S1,
    "f_renovation_year": INT,
    "f_relocation_placement": S1,
    "f_moved_in": S1,
    "f_relocation_debt": DEC,
    # G. Drinking water
    "g_source": S1,
    "g_quantity": S1,
    "g_quality": S1,
    "g_convenience": S1,
    "g_guarantee": S1,
    # H. Income
    "h_wage_work": DEC,
    "h_wage_pwj": DEC,
    "h_wage_other": DEC,
    "h_wage_total": "calculate:decimal",
    "h_prod_crops": DEC,
    "h_prod_livestock": DEC,
    "h_prod_forestry": DEC,
    "h_prod_other": DEC,
    "h_prod_total": "calculate:decimal",
    "h_prop_dividends": DEC,
    "h_prop_land_rent": DEC,
    "h_prop_other": DEC,
    "h_prop_total": "calculate:decimal",
    "h_trans_family_planning": DEC,
    "h_trans_dibao": DEC,
    "h_trans_tekun": DEC,
    "h_trans_pension": DEC,
    "h_trans_eco": DEC,
    "h_trans_other": DEC,
    "h_trans_total": "calculate:decimal",
    "h_expenditure": DEC,
    "h_net_income": "calculate:decimal",
    "h_per_capita": "calculate:decimal",
    # I. Assistance and projects
    "i_measures": SM,
    "i_industry_effect": S1,
    "i_small_loan": S1,
    "i_loan_amount": DEC,
    "i_cooperative": S1,
    "i_helper_name": TEXT,
    "i_helper_unit": TEXT,
    "i_helper_phone": TEXT,
    "i_projects": SM,
    # J. Recognition
    "j_recognises_exit": S1,
    "j_not_recognised_reason": TEXT,
    "j_satisfaction_helpers": S1,
    "j_satisfaction_policy": S1,
    # K. Production and living conditions
    "k_cultivated_land": DEC,
    "k_forest_land": DEC,
    "k_orchard_land": DEC,
    "k_pasture_land": DEC,
    "k_water_surface": DEC,
    "k_road_type": S1,
    "k_distance_main_road": DEC,
    "k_electricity": S1,
    "k_sanitary_toilet": S1,
    "k_cooking_fuel": S1,
}

MEMBER_FIELDS: dict[str, str] = {
    "m_key": "calculate:text",
    "m_reg_name": "calculate:text",
    "m_reg_id_number": "calculate:text",
    "m_reg_relation": "calculate:text",
    "m_reg_sex": "calculate:text",
    "m_status": S1,
    "m_change_reason": S1,
    "m_name": TEXT,
    "m_sex": S1,
    "m_id_type": S1,
    "m_id_number": TEXT,
    "m_age": "calculate:integer",
    "m_relation": S1,
    "m_ethnicity": S1,
    "m_education": S1,
    "m_student_status": S1,
    "m_health": S1,
    "m_disability_category": S1,
    "m_disability_grade": S1,
    "m_disability_cert": S1,
    "m_labour_skill": S1,
    "m_work_status": S1,
    "m_work_months": INT,
    "m_ins_resident_medical": S1,
    "m_ins_employee_medical": S1,
    "m_ins_critical_illness": S1,
    "m_medical_assistance": S1,
    "m_pension_resident": S1,
    "m_pension_employee": S1,
    "m_dibao": S1,
    "m_tekun": S1,
    "m_tekun_mode": S1,
    "m_disability_subsidy": S1,
    "m_public_welfare_job": S1,
    "m_pwj_type": S1,
    "m_pwj_months": INT,
    "m_relocated": S1,
    "m_in_school": S1,
    "m_not_in_school_reason": S1,
    "m_edu_assistance": SM,
    "m_chronic_card": S1,
    "m_family_doctor": S1,
    "m_serious_illness_treated": S1,
}

_VILLAGE_COUNTS = (
    # V-B population
    "v_households_total",
    "v_population_total",
    "v_registered_households",
    "v_registered_persons",
    "v_exited_households",
    "v_dibao_households",
    "v_dibao_persons",
    "v_tekun_households",
    "v_tekun_persons",
    "v_disabled_persons",
    "v_resident_households",
    "v_labour_force",
    "v_migrant_workers",
    "v_natural_villages",
    "v_village_groups",
    # V-C economy (count)
    "v_cooperatives",
    # V-D monitoring
    "v_monitored_households",
    "v_monitored_dibao",
    "v_monitored_disabled",
    "v_monitored_labour",
    "v_monitored_migrants_out_province",
    "v_monitored_migrants_in_province",
    "v_monitored_migrants_in_county",
    "v_monitored_migrants_in_township",
    # V-E roads
    "v_natural_villages_without_road",
    # V-G water
    "v_households_unsafe_water",
    "v_households_water_difficulty",
    # V-H health
    "v_clinics",
    "v_licensed_doctors",
    "v_village_doctors",
    "v_public_toilets",
    # V-I education
    "v_primary_schools",
    "v_kindergartens",
    "v_children_out_of_school",
    # V-J culture
    "v_culture_rooms",
    # V-K environment
    "v_garbage_points",
    "v_sanitary_toilet_households",
    # V-L housing
    "v_households_dangerous_house",
    # V-M social security
    "v_medical_insurance_members",
    "v_pension_members",
    # V-N governance
    "v_work_team_members",
    "v_work_team_since",  # year the current work team arrived
    "v_cadres",
    "v_party_members",
    # V-P tourism
    "v_tourism_households",
    "v_tourism_employees",
    "v_agritainment_households",
)
_VILLAGE_DECIMALS = (
    "v_income_per_capita_last",
    "v_income_per_capita_prev",
    "v_collective_income",
    "v_unpaved_km",
    "v_land_cultivated",
    "v_land_irrigated",
    "v_land_forest",
    "v_land_grain_to_green",
    "v_land_orchard",
    "v_land_pasture",
    "v_land_water",
    "v_tourism_income_avg",
)
_VILLAGE_CHOICES = (
    "v_village_type",
    "v_terrain",
    "v_merged_since_2016",
    "v_leading_industry",
    "v_hardened_road_to_township",
    "v_bus_service",
    "v_power_for_production",
    "v_broadband",
    "v_mobile_signal",
    "v_radio_tv",
    "v_central_water_supply",
    "v_tap_water",
    "v_township_health_centre",
    "v_service_facility",
    "v_ecommerce_point",
    "v_garbage_collection",
    "v_first_secretary",
)

VILLAGE_FIELDS: dict[str, str] = {
    "start": "start",
    "end": "end",
    "village_code": "select_one_from_file",
    "v_exit_year": INT,
    "v_respondent_name": TEXT,
    "v_respondent_post": TEXT,
    "v_respondent_phone": TEXT,
    "v_work_team_unit": TEXT,
    "v_gps": "geopoint",
    "v_seal_photo": "image",
    "v_note": TEXT,
    **dict.fromkeys(_VILLAGE_COUNTS, INT),
    **dict.fromkeys(_VILLAGE_DECIMALS, DEC),
    **dict.fromkeys(_VILLAGE_CHOICES, S1),
}

# What each calculation computes (the forms bind calculations as text).
CALCULATION_TYPES: dict[str, str] = {
    name: xls_type.removeprefix("calculate:")
    for name, xls_type in {**HOUSEHOLD_FIELDS, **MEMBER_FIELDS}.items()
    if xls_type.startswith("calculate:")
}

BUILTIN_SCHEMA = Schema.from_levels(
    household=HOUSEHOLD_FIELDS, member=MEMBER_FIELDS, village=VILLAGE_FIELDS
)
