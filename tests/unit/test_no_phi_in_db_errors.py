"""A database error names the failed statement, never its values (phone numbers, message
bodies): such errors are logged."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from storage.db import make_engine

SECRET = "+12025550177 i want to die"


async def test_a_failed_statement_does_not_carry_its_parameters(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(SQLAlchemyError) as failure:
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO no_such_table (body) VALUES (:body)"), {"body": SECRET}
                )
    finally:
        await engine.dispose()
    assert SECRET not in str(failure.value)
    assert "hidden due to hide_parameters" in str(failure.value)
