"""The GraphQL operations the bench sends."""

PAGE_QUERY = """query Page($first: Int!, $after: String) {
  tenants(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id allocataireNumber lastName firstName
      housing { postalCode commune departement type } declarationState } }
  }
}"""
ME_QUERY = "{ me { id identifier lastName firstName roles } }"
