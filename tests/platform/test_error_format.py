"""The last line of defence of `schema.errors.format_error`, for errors no HTTP path reaches today
(every known one is caught earlier, see the fuzzer's regressions in the account tests)."""

from graphql import GraphQLError
from tortoise.exceptions import ValidationError

from schema.errors import format_error


def test_a_value_a_model_refuses_is_the_callers_input_and_is_not_echoed():
    refused = ValidationError("identifier: Length of 'secret-value' 45 > 40")
    error = GraphQLError("x", path=["login"], original_error=refused)
    formatted = format_error(error)
    assert formatted["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "secret-value" not in str(formatted)


def test_an_unexpected_error_says_nothing_of_itself():
    error = GraphQLError("x", path=["tenants"], original_error=KeyError("casbin_rule.v3"))
    formatted = format_error(error)
    assert formatted["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "casbin" not in str(formatted)
