"""Planted secrets: distinct strings put wherever a secret can hide in a state or in the
cloud, so that a test can say exactly which one leaked, and from where.

tests/e2e/conftest.py adds every one of them to the values no response body and no command
output may contain; tests/e2e/test_planted_secrets.py plants them (a state it writes, live
objects in moto) and runs every way driftmgr shows values.
"""

from __future__ import annotations

#: A Lambda function's environment variables as the state records them.
LAMBDA_DB_PASSWORD_STATE = "planted-lambda-db-password-state-7f3a"
#: The same variable after someone changed it out of band (what the cloud then holds).
LAMBDA_DB_PASSWORD_LIVE = "planted-lambda-db-password-live-91c2"
#: A variable with a secret name that nobody changes.
LAMBDA_API_TOKEN = "planted-lambda-api-token-4b7e"
#: A variable with an innocent name: every environment value is secret all the same.
LAMBDA_PLAIN_VARIABLE = "planted-lambda-plain-var-c05d"
#: A database password in a URL, in a variable with an innocent name.
LAMBDA_DATABASE_URL_PASSWORD = "planted-lambda-url-password-e1a9"
#: aws_db_instance.password (the API never returns it; the state holds it in clear).
DB_PASSWORD = "planted-db-password-2d84"
#: The database password of an older state version (what `state compare` compares).
DB_PASSWORD_OLD = "planted-db-password-old-6a11"
#: An instance's user data: a script with a credential in it.
USER_DATA = "planted-user-data-8e56"
#: A non-sensitive object output whose nested key is `password`.
OUTPUT_NESTED_PASSWORD = "planted-output-nested-password-3c9b"
#: A sensitive output.
OUTPUT_SENSITIVE = "planted-output-sensitive-a47f"
#: A value only `sensitive_attributes` marks (its name says nothing).
MARKED_SENSITIVE = "planted-marked-sensitive-5f02"

PLANTED = (
    LAMBDA_DB_PASSWORD_STATE,
    LAMBDA_DB_PASSWORD_LIVE,
    LAMBDA_API_TOKEN,
    LAMBDA_PLAIN_VARIABLE,
    LAMBDA_DATABASE_URL_PASSWORD,
    DB_PASSWORD,
    DB_PASSWORD_OLD,
    USER_DATA,
    OUTPUT_NESTED_PASSWORD,
    OUTPUT_SENSITIVE,
    MARKED_SENSITIVE,
)
assert len(set(PLANTED)) == len(PLANTED)


def leaked(text: str) -> list[str]:
    """The planted secrets ``text`` contains."""
    return [secret for secret in PLANTED if secret in text]
