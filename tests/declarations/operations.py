"""GraphQL documents of the declarations area (tenants, rent declarations, changes, unpaid rent,
payments), each written once for every test that sends it."""

# One page of tenants with everything the tests look at; tests/declarations/test_query_count.py
# counts the SQL statements of exactly this document. Named: metrics and traces show the name.
TENANTS = """query Tenants($first: Int! = 100, $filter: TenantFilter) {
  tenants(first: $first, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id allocataireNumber lastName firstName declarationState
                          housing { postalCode commune departement type } } } } }"""
TENANT = "query($id: ID!) { tenant(id: $id) { id allocataireNumber } }"
CAMPAIGN = "{ rentCampaign { total remaining transmitted message } }"

DECLARATION_FIELDS = """
  id state year reference transmittedAt receiptUrl
  tenant { id lastName declarationState }
  lastKnown { tenantName allocataireNumber lastRentMonth lastRentCents lastRent occupiedSince
              colocation address }
  summary { month lines complete notices amountNeedsConfirmation
            problems { field message }
            sections { number title answers { field label value } } }
"""

START = f"""mutation($tenantId: ID!, $year: Int) {{
  startRentDeclaration(tenantId: $tenantId, year: $year) {{ {DECLARATION_FIELDS} }}
}}"""

SAVE = f"""mutation($id: ID!, $input: RentDeclarationInput!) {{
  saveRentDeclaration(id: $id, input: $input) {{ {DECLARATION_FIELDS} }}
}}"""

VALIDATE = f"""mutation($id: ID!, $confirm: Boolean! = false) {{
  validateRentDeclaration(id: $id, confirmAmount: $confirm) {{ {DECLARATION_FIELDS} }}
}}"""

GET = f"""query($id: ID!) {{ rentDeclaration(id: $id) {{ {DECLARATION_FIELDS} }} }}"""

DECLARE_CHANGE = """mutation($input: DeclareChangeInput!) {
  declareChange(input: $input) {
    id kind eventDate reason coTenantCount comment late notices declaredAt tenant { lastName }
    reference receiptUrl
  }
}"""

REPORT_UNPAID = """mutation($input: ReportUnpaidRentInput!) {
  reportUnpaidRent(input: $input) {
    id amountOwedCents months unpaidSince thresholdCents constituted constitutedOn
    reportDeadline late message tenant { lastName } reference receiptUrl
  }
}"""

PAYMENTS = """query($first: Int!, $after: String, $filter: PaymentFilter) {
  payments(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id month monthLabel paidOn amountCents amount
                   tenant { lastName declarationState } } }
  }
}"""

VERIFY_RECEIPT = """query($r: String!, $c: String!) {
  verifyReceipt(reference: $r, code: $c) { genuine sha256 kind issuedAt } }"""
