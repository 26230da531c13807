"""Words the templates translate from a value rather than from a literal: enum values
(``_(patient.sex.value)``), reason texts, the profile's English names of its reference codes
(``label()`` on Russian pages) and texts handed to translating macros. Extraction is static, so
every value is written out here as a literal ``N_()``; tests/web/test_translations.py fails when
an enum or the profile gains a value that is missing here."""

from __future__ import annotations

from saglam.web.i18n import N_

# patients.enums.Sex (the same values as workforce.enums.Sex): patient.sex
SEX = (
    N_("male"),
    N_("female"),
    N_("other"),
    N_("unknown"),
)

# patients.enums.MatchKind: how a search result matched
MATCH_KINDS = (
    N_("identifier"),
    N_("exact"),
    N_("prefix"),
    N_("phonetic"),
)

# facilities.enums.FacilityStatus
FACILITY_STATUSES = (
    N_("active"),
    N_("under_reconstruction"),
    N_("closed"),
)

# facilities.enums.LifecycleEvent: a facility's lifecycle
LIFECYCLE_EVENTS = (
    N_("commissioned"),
    N_("reconstruction_started"),
    N_("reconstruction_finished"),
    N_("rehabilitated"),
    N_("closed"),
)

# facilities.enums.EquipmentStatus
EQUIPMENT_STATUSES = (
    N_("in_service"),
    N_("under_maintenance"),
    N_("out_of_service"),
    N_("decommissioned"),
)

# workforce.enums.EmploymentRole: a practitioner's job
EMPLOYMENT_ROLES = (
    N_("physician"),
    N_("head_physician"),
    N_("nurse"),
    N_("midwife"),
    N_("technician"),
    N_("other"),
)

# care.enums.EncounterClass
ENCOUNTER_CLASSES = (
    N_("ambulatory"),
    N_("inpatient"),
    N_("emergency"),
    N_("home"),
    N_("virtual"),
)

# care.enums.EncounterStatus
ENCOUNTER_STATUSES = (
    N_("planned"),
    N_("in-progress"),
    N_("finished"),
    N_("cancelled"),
)

# care.enums.ReferralStatus
REFERRAL_STATUSES = (
    N_("active"),
    N_("completed"),
    N_("revoked"),
)

# insurance.enums.Payer: who pays for a coverage period
PAYERS = (
    N_("employer"),
    N_("person"),
    N_("state"),
)

# insurance.enums.ClaimStatus
CLAIM_STATUSES = (
    N_("received"),
    N_("adjudicated"),
    N_("pended"),
    N_("reviewed"),
)

# insurance.enums.LineOutcome
LINE_OUTCOMES = (
    N_("accepted"),
    N_("adjusted"),
    N_("rejected"),
    N_("pended"),
)

# insurance.enums.PeriodStatus: a payment month
PERIOD_STATUSES = (
    N_("open"),
    N_("closed"),
)

# country.profile.Level: a facility's level of care
FACILITY_LEVELS = (
    N_("primary"),
    N_("secondary"),
    N_("tertiary"),
    N_("national"),
    N_("external"),
)

# insurance.enums.REASON_TEXT: why a claim line was judged as it was
REASONS = (
    N_("patient not in the population register"),
    N_("patient had died before the service date"),
    N_("patient not covered on the service date"),
    N_("facility has no contract with the insurer on the service date"),
    N_("service not allowed at this facility's level"),
    N_("service not in the benefit package on the service date"),
    N_("price above the tariff: paid at the tariff"),
    N_("quantity over the limit: cut to what remains"),
    N_("frequency limit already reached"),
    N_("service not for the patient's age"),
    N_("service not for the patient's sex"),
    N_("service not for the claimed diagnoses"),
    N_("no referral from primary care"),
    N_("prior authorisation missing: pended for review"),
    N_("duplicate of a line already claimed"),
    N_("submitted after the deadline"),
    N_("co-payment due from the patient"),
    N_("high-value line: pended for review"),
)

# The profile's facility_types (name_en): label() on Russian pages
FACILITY_TYPES = (
    N_("National centre"),
    N_("Republican clinical hospital"),
    N_("Regional hospital"),
    N_("Central district hospital"),
    N_("City hospital"),
    N_("Rural hospital"),
    N_("Maternity hospital"),
    N_("Children's hospital"),
    N_("Tuberculosis dispensary-hospital"),
    N_("Psychiatric hospital/dispensary"),
    N_("Oncology dispensary"),
    N_("Infectious diseases hospital"),
    N_("Other specialised hospital/dispensary"),
    N_("Rural medical point"),
    N_("Family health centre"),
    N_("City polyclinic"),
    N_("Children's polyclinic"),
    N_("Women's consultation"),
    N_("Dental polyclinic"),
    N_("Diagnostic-consultative centre"),
    N_("Blood bank"),
    N_("External or non-state organisation"),
)

# The profile's professions (name_en): label() on Russian pages
PROFESSIONS = (
    N_("Physician"),
    N_("Nurse"),
    N_("Midwife"),
    N_("Feldsher"),
    N_("Laboratory technician"),
    N_("Radiographer"),
    N_("Pharmacy technician"),
    N_("Dental technician"),
    N_("Dental assistant"),
    N_("Medical statistician"),
    N_("Assistant epidemiologist (sanitary-epidemiological)"),
    N_("Medical massage therapist"),
    N_("Other or unknown profession"),
)

# The profile's specialties (name_en): label() on Russian pages
SPECIALTIES = (
    N_("Family medicine / general practice"),
    N_("Therapy (internal medicine)"),
    N_("Paediatrics"),
    N_("General surgery"),
    N_("Obstetrics and gynaecology"),
    N_("Cardiology"),
    N_("Neurology"),
    N_("Ophthalmology"),
    N_("Otorhinolaryngology (ENT)"),
    N_("Dermatovenerology"),
    N_("Psychiatry"),
    N_("Radiology"),
    N_("Anaesthesiology and reanimatology"),
    N_("Oncology"),
    N_("Haematology"),
    N_("Urology"),
    N_("Endocrinology"),
    N_("Infectious diseases"),
    N_("Pathology"),
    N_("Laboratory medicine"),
    N_("Stomatology (dentistry)"),
    N_("Traumatology and orthopaedics"),
    N_("Pulmonology"),
    N_("Phthisiology (tuberculosis)"),
    N_("Gastroenterology"),
    N_("Nephrology"),
    N_("Emergency medicine"),
    N_("Physical medicine and rehabilitation"),
    N_("Neonatology"),
    N_("Epidemiology and hygiene (public health)"),
    N_("Neurosurgery"),
    N_("Paediatric surgery"),
)

# The profile's equipment_types (name_en): label() on Russian pages
EQUIPMENT_TYPES = (
    N_("CT scanner"),
    N_("MRI scanner"),
    N_("X-ray unit"),
    N_("Mammography unit"),
    N_("Ultrasound scanner"),
    N_("ECG machine"),
    N_("Patient monitor"),
    N_("Ventilator"),
    N_("Anaesthesia machine"),
    N_("Defibrillator"),
    N_("Haemodialysis machine"),
    N_("Haematology analyser"),
    N_("Biochemistry analyser"),
    N_("Endoscope"),
    N_("Infant incubator"),
    N_("Dental unit"),
    N_("Other equipment"),
)

# The profile's insurance_categories (name_en): label() on Russian pages
INSURANCE_CATEGORIES = (
    N_("Child (0-17)"),
    N_("Pensioner"),
    N_("Person with disability"),
    N_("Student (18-23)"),
    N_("Employee"),
    N_("Self-employed / individual entrepreneur"),
    N_("Pregnant woman"),
    N_("Unemployed / non-working"),
)

# patients.enums.PatientStatus: "patient 5 is merged"
PATIENT_STATUSES = (
    N_("active"),
    N_("merged"),
    N_("deleted"),
)

# The profile's sex and age rules of ICD-10 codes (sex_age_rules.csv, in English): a refused
# or questioned diagnosis on the encounter form
SEX_AGE_RULES = (
    N_("Pregnancy, childbirth and the puerperium (O00-O99) can only be coded for a female patient aged 10 to 55."),
    N_("Pregnancy supervision, outcome of delivery and postpartum care codes can only be coded for a female patient aged 10 to 55."),
    N_("Diseases of the female genital organs (N70-N98) can only be coded for a female patient."),
    N_("Malignant neoplasms of the female genital organs (C51-C58) can only be coded for a female patient."),
    N_("In-situ, benign and uncertain neoplasms of the female genital organs can only be coded for a female patient."),
    N_("Ovarian dysfunction (E28) can only be coded for a female patient."),
    N_("Congenital malformations of the female genital organs (Q50-Q52) can only be coded for a female patient."),
    N_("Abnormal findings in specimens from female genital organs (R87) can only be coded for a female patient."),
    N_("Diseases of the male genital organs (N40-N51) can only be coded for a male patient."),
    N_("Malignant neoplasms of the male genital organs (C60-C63) can only be coded for a male patient."),
    N_("Benign and uncertain neoplasms of the male genital organs can only be coded for a male patient."),
    N_("Testicular dysfunction (E29) can only be coded for a male patient."),
    N_("Congenital malformations of the male genital organs (Q53-Q55) can only be coded for a male patient."),
    N_("Abnormal findings in specimens from male genital organs (R86) can only be coded for a male patient."),
    N_("Prostatic hyperplasia and prostate cancer are rare before age 40: check the code and the patient's age (PSA testing is also restricted to men aged 40 and over)."),
    N_("Conditions originating in the perinatal period (P00-P96) are expected in infants aged 0-1: check the code for an older patient."),
    N_("Liveborn infant codes (Z38) can only be coded on the newborn's own record in the first year of life."),
    N_("Senility (R54) is expected in patients aged 60 and over."),
    N_("Menopausal and perimenopausal disorders (N95) are unusual before age 35."),
    N_("Senile cataract (H25) is unusual before age 40."),
    N_("Dementia and Alzheimer disease are unusual before age 40."),
    N_("Osteoporosis (M80-M81) is unusual before age 40."),
)  # fmt: skip

# Literal texts the templates hand to a macro or loop that translates them
# (admin/_fields.html labels, hints and blanks; the encounter form's kinds of visit)
TEMPLATE_TEXTS = (
    N_("Language"),
    N_("Actor"),
    N_("Patient id"),
    N_("Entity type"),
    N_("Entity id"),
    N_("Outcome"),
    N_("Any"),
    N_("From (Baku time)"),
    N_("Until (Baku time)"),
    N_("Name"),
    N_("Scopes"),
    N_("SMART scopes separated by spaces, e.g. system/Patient.read system/Claim.write"),
    N_("Facility ids"),
    N_("Comma-separated, e.g. 12, 40. Empty for the whole country."),
    N_("User name"),
    N_("Letters, digits and . _ @ - (3 to 80)."),
    N_("Full name"),
    N_("Role"),
    N_("Choose a role"),
    N_("Comma-separated, e.g. 12, 40. Empty for no facility scope."),
    N_("Territory codes"),
    N_("Comma-separated, e.g. AZ-BA, AZ-QBA."),
    N_("Initial password"),
    N_("At least 8 characters."),
    N_("Initial password again"),
    N_("Outpatient visit"),
    N_("Home visit"),
    N_("Teleconsultation"),
    N_("Emergency"),
    N_("Hospital stay"),
)
