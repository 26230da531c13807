"""Care records: encounters, diagnoses (ICD-10), services, observations, referrals, prescriptions."""
