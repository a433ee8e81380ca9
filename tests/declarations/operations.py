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
# Every value a tenant row carries (its own columns, its housing's, its state), on the list and
# on the single tenant: tests/declarations/test_tenant_page_values.py compares the two.
_TENANT_VALUES = """id allocataireNumber lastName firstName occupiedSince colocation lastRentCents
  declarationState housing { id address postalCode commune departement type }"""
TENANTS_VALUES = f"""query($first: Int!, $after: String) {{
  tenants(first: $first, after: $after) {{ totalCount totalCountExact
    pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {_TENANT_VALUES} }} }} }} }}"""
TENANT_VALUES = f"query($id: ID!) {{ tenant(id: $id) {{ {_TENANT_VALUES} }} }}"
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

# The typed change mutations and the declarations' history.

CHANGE_FIELDS = """
  id kind eventDate reason coTenantCount comment late newAddress departureMonthRentPaidInFull
  departureMonthBenefitDue benefitHeldUntil notices declaredAt reference receiptUrl
  tenant { lastName }
"""

DEPARTURE = f"""mutation($input: TenantDepartureInput!) {{
  declareTenantDeparture(input: $input) {{ {CHANGE_FIELDS} }} }}"""
END_OF_MANAGEMENT = f"""mutation($input: EndOfManagementInput!) {{
  declareEndOfManagement(input: $input) {{ {CHANGE_FIELDS} }} }}"""
CO_TENANTS = f"""mutation($input: CoTenantChangeInput!) {{
  declareCoTenantChange(input: $input) {{ {CHANGE_FIELDS} }} }}"""
NON_DECENT = f"""mutation($input: NonDecentHousingInput!) {{
  declareNonDecentHousing(input: $input) {{ {CHANGE_FIELDS} }} }}"""

PAGE = "totalCount pageInfo { hasNextPage endCursor }"

CHANGES = f"""query($first: Int!, $after: String, $filter: ChangeDeclarationFilter) {{
  changeDeclarations(first: $first, after: $after, filter: $filter) {{
    {PAGE} edges {{ node {{ {CHANGE_FIELDS} }} }} }} }}"""

UNPAID_REPORTS = """query($first: Int!, $after: String, $filter: UnpaidRentReportFilter) {
  unpaidRentReports(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id amountOwedCents constituted message reference receiptUrl
                   tenant { lastName } } } } }"""

RENT_DECLARATIONS = """query($first: Int!, $after: String, $filter: RentDeclarationFilter) {
  rentDeclarations(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id year state reference tenant { lastName }
                   lastKnown { lastRentCents source sourceReference } } } } }"""

TENANT_HISTORY = """query($id: ID!, $kinds: [ChangeKind!]) {
  tenant(id: $id) {
    lastName
    rentDeclarations(first: 5) { totalCount edges { node { year state reference } } }
    changeDeclarations(first: 5, kinds: $kinds) { totalCount edges { node { id kind } } }
    unpaidRentReports(first: 5) { totalCount edges { node { id amountOwedCents } } }
  } }"""

LAST_KNOWN = """mutation($tenantId: ID!) {
  startRentDeclaration(tenantId: $tenantId) {
    id lastKnown { lastRentMonth lastRentCents lastRent lastChargesCents colocation
                   coTenantCount source sourceReference } } }"""

PAYMENTS_ORDERED = """query($first: Int!, $filter: PaymentFilter, $order: ListOrder) {
  payments(first: $first, filter: $filter, order: $order) {
    totalCount edges { node { month amountCents } } } }"""

# The unpaid-rent follow-up and its repayment plan.
FOLLOW_UP_FIELDS = """
  id state stateLabel reportedOn debtCents deadline daysLeft agencyProposes message
  tenant { lastName }
  plan { id debtCents monthlyAmountCents firstMonth durationMonths lastMonth
         lastInstalmentCents submittedAt reference receiptUrl }
  reminders { daysBefore deadline queuedAt }
"""

REPORT_WITH_FOLLOW_UP = f"""mutation($input: ReportUnpaidRentInput!) {{
  reportUnpaidRent(input: $input) {{ id constituted repayment {{ {FOLLOW_UP_FIELDS} }} }}
}}"""

SUBMIT = f"""mutation($input: SubmitRepaymentPlanInput!) {{
  submitRepaymentPlan(input: $input) {{ {FOLLOW_UP_FIELDS} }}
}}"""

FOLLOW_UP = f"""query($id: ID!) {{ repaymentFollowUp(reportId: $id) {{ {FOLLOW_UP_FIELDS} }} }}"""
