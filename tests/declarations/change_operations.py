"""GraphQL documents of the typed change mutations and of the declarations' history."""

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
