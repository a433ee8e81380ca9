"""GraphQL documents of the audit area (policies, explanations, as-of answers, simulations, the
trail), each written once for every test that sends it."""

POLICIES = """query($org: ID!) { policies(organisationId: $org) {
  organisationName model casbinLines
  rules { subjectKind subject groupId housingType zone action casbin }
  memberships { user { identifier } subjectKind subject groupId casbin } } }"""

EXPLAIN = """query($user: ID!, $tenant: ID!, $action: Action!, $asOf: Date) {
  explainAccess(userId: $user, tenantId: $tenant, action: $action, asOf: $asOf) {
    user { identifier } allowed message reason nearestRule otherGrants casbinRequest
    path { kind label id casbin } } }"""

WHO = """query($tenant: ID!, $asOf: Date) {
  whoCanAccess(tenantId: $tenant, action: READ, asOf: $asOf) {
    user { identifier } allowed path { kind label } } }"""

USER_ACCESS = """query($user: ID!, $asOf: Date) {
  userAccess(userId: $user, action: READ, asOf: $asOf) {
    asOf total byHousing { housingType zone count } } }"""

SIMULATE = """query($input: SimulateHabilitationChangeInput!) {
  simulateHabilitationChange(input: $input) { user { identifier } before after gained lost } }"""

EVENTS = """query($first: Int!, $after: String, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id at actorId actor { identifier } actorLabel organisationId action
                   targetType targetId before after delegation prevDigest digest } } } }"""

VERIFY = "{ verifyAuditChain { ok checked firstBrokenId } }"

VERIFY_HEAD = """query($full: Boolean!, $anchor: AuditAnchorInput) {
  verifyAuditChain(full: $full, anchor: $anchor) {
    ok checked firstBrokenId checkpoints firstBrokenCheckpointId full
    head { lastEventId events digest checkpointId checkpointDigest }
    anchorProblem { code message } } }"""
