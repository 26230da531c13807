"""Compulsory health insurance: coverage and contributions, the versioned benefit package,
claims and their adjudication, review, provider payment and outlier signals."""
