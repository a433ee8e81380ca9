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
UPDATE_USER = """mutation($u: ID!, $input: UpdateUserInput!) {
  updateUser(userId: $u, input: $input) {
    id lastName firstName email phone openingDate closingDate workMode status }
}"""
REOPEN_USER = """mutation($u: ID!, $d: Date) {
  reopenUser(userId: $u, closingDate: $d) { id status closingDate groups { id } }
}"""
FILTERED_USERS = """query($first: Int!, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { identifier suspended } } }
}"""
CREATE_GROUP = """mutation($input: HabilitationGroupInput!) {
  createHabilitationGroup(input: $input) { id name housingType zones }
}"""
UPDATE_GROUP = """mutation($g: ID!, $input: UpdateHabilitationGroupInput!) {
  updateHabilitationGroup(groupId: $g, input: $input) { id name housingType zones }
}"""
DELETE_GROUP = "mutation($g: ID!) { deleteHabilitationGroup(groupId: $g) }"
PREVIEW_GROUP_CHANGE = """query($g: ID!, $input: UpdateHabilitationGroupInput!) {
  previewHabilitationGroupChange(groupId: $g, input: $input) {
    user { identifier } before after gained lost }
}"""
