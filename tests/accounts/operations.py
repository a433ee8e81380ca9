"""GraphQL documents of the accounts area (login, first login, sessions, passwords, recovery,
lockout, administrators), each written once for every test that sends it."""

# Named: the request log records the operation's name (tests/platform/test_logs.py).
LOGIN = """mutation Login($identifier: String!, $password: String!) {
  login(identifier: $identifier, password: $password) { token csrfToken requiredActions }
}"""
COMPLETE_FIRST_LOGIN = """mutation($input: CompleteFirstLoginInput!) {
  completeFirstLogin(input: $input) { token csrfToken requiredActions }
}"""
ME = "query { me { id identifier email roles organisation { name } } }"
LOGOUT = "mutation { logout }"
CHANGE_PASSWORD = """mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { token requiredActions }
}"""
CHANGE_EMAIL = """mutation($current: String!, $email: String!) {
  changeEmail(currentPassword: $current, newEmail: $email) { id email }
}"""
RESET = "mutation($email: String!) { requestPasswordReset(email: $email) }"
LOST = "mutation($number: String!) { requestLostIdentifier(userNumber: $number) }"
UNLOCK = "mutation($id: ID!) { unlockUser(userId: $id) { id identifier } }"
REPLACE = """mutation($org: ID!, $user: ID!) {
  replaceAdministrator(organisationId: $org, userId: $user) { id identifier roles }
}"""
