"""GraphQL documents of the habilitations area (users of an organisation, their groups, the
responsables, closing), each written once for every test that sends it."""

CREATE_USER = """mutation($input: CreateUserInput!) {
  createUser(input: $input) { id identifier email phone status groups { id name } roles }
}"""
SET_USER_GROUPS = """mutation($u: ID!, $g: [ID!]!) {
  setUserGroups(userId: $u, groupIds: $g) { id groups { id } }
}"""
# $g (the responsable's perimeter) may be left out: the argument is then absent.
SET_HABILITATION_MANAGER = """mutation($u: ID!, $on: Boolean!, $g: [ID!]) {
  setHabilitationManager(userId: $u, enabled: $on, groupIds: $g) { id roles }
}"""
CLOSE_USER = """mutation($u: ID!, $d: Date!) {
  closeUser(userId: $u, closingDate: $d) { id status closingDate }
}"""
USERS = """query {
  users(first: 50) { totalCount edges { node { id identifier roles groups { name } } } }
}"""
HABILITATION_GROUPS = "query { habilitationGroups { id name housingType zones } }"
