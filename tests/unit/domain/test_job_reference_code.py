"""JobReferenceCode: the stored one when CreateLabelingJob kept it, else a stable code shaped like Ground Truth's
(12-digit account and 16 letters and digits)."""

from __future__ import annotations

import json
import re

import pytest

from shared.domain.arns import job_reference_code

ACCOUNT = "507354440914"


def test_a_derived_code_is_the_account_and_16_alphanumerics() -> None:
    code = job_reference_code(ACCOUNT, 42)
    assert re.fullmatch(ACCOUNT + r"[0-9A-Za-z]{16}", code)


def test_a_derived_code_is_stable_and_differs_between_jobs_and_accounts() -> None:
    assert job_reference_code(ACCOUNT, 42) == job_reference_code(ACCOUNT, 42, None)
    codes = {job_reference_code(ACCOUNT, n) for n in range(1, 200)}
    assert len(codes) == 199
    other = job_reference_code("000000000001", 42)
    assert other.startswith("000000000001") and other[12:] != job_reference_code(ACCOUNT, 42)[12:]


def test_a_stored_code_wins() -> None:
    stored = json.dumps({"JobReferenceCode": f"{ACCOUNT}YHSw1jUyO0XYOgL2", "LabelingJobName": "x"})
    assert job_reference_code(ACCOUNT, 42, stored) == f"{ACCOUNT}YHSw1jUyO0XYOgL2"


@pytest.mark.parametrize("stored", ["", "{}", '{"JobReferenceCode": ""}', '{"JobReferenceCode": 7}', "not json",
                                    "[1, 2]"])
def test_without_a_usable_stored_code_the_derived_one_is_used(stored: str) -> None:
    assert job_reference_code(ACCOUNT, 42, stored) == job_reference_code(ACCOUNT, 42)
