"""Every GraphQL document the Shopify adapter sends the Admin GraphQL API (pure strings).

Field names are Shopify's, as the Admin GraphQL reference names them
(https://shopify.dev/docs/api/admin-graphql, objects ``Order``, ``LineItem``, ``ShippingLine``,
``OrderTransaction``, ``Refund``, ``RefundLineItem``, ``RefundShippingLine``, ``OrderAdjustment``,
``Duty``, ``Customer``, ``Product``, ``ProductVariant``, ``WebhookSubscription``,
``BulkOperation``). The local simulator (``local/shopify_store``) validates these documents
against its schema, so a field added here must exist there too.

Cost: Shopify charges a query by the objects it may return (a connection's ``first`` times its
children: https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits). One order
may cost hundreds of points *requested* (Shopify refuses a query whose requested cost passes
1,000), so :data:`ORDER` reads the first few lines (:data:`FIRST`; :data:`ORDER_LINE_ITEMS` for more) and
its refunds as summaries, each refund then in full with :data:`REFUND`; listings read a thin summary
of each record (:data:`ORDERS_UPDATED` and friends) and the sync re-reads only what changed.

Bulk operations take one query without variables, with at most 5 connections nested at most 2
deep (https://shopify.dev/docs/api/usage/bulk-operations/queries); :func:`bulk_orders` is
:data:`ORDER_FIELDS` minus the refunds' own connections (a refund's lines are then read one
refund at a time with :data:`REFUND`, which the sync does when it needs them).
"""

PAGE_INFO = "pageInfo { hasNextPage endCursor }"
MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"
TAX_LINES = f"taxLines {{ title rate ratePercentage channelLiable priceSet {{ {MONEY} }} }}"
ADDRESS = "firstName lastName company address1 address2 city province provinceCode zip country countryCodeV2 phone"
TRANSACTION = (
    f"id kind status gateway formattedGateway test authorizationCode processedAt createdAt amountSet {{ {MONEY} }}"
)

LINE_ITEM = f"""
  id name title sku quantity currentQuantity isGiftCard requiresShipping taxable
  variant {{ id legacyResourceId sku }}
  product {{ id legacyResourceId }}
  originalUnitPriceSet {{ {MONEY} }}
  originalTotalSet {{ {MONEY} }}
  discountedTotalSet {{ {MONEY} }}
  totalDiscountSet {{ {MONEY} }}
  discountAllocations {{ allocatedAmountSet {{ {MONEY} }} discountApplication {{ index }} }}
  {TAX_LINES}
  duties {{ id harmonizedSystemCode countryCodeOfOrigin price {{ {MONEY} }} {TAX_LINES} }}
"""

SHIPPING_LINE = f"""
  id title code source isRemoved
  originalPriceSet {{ {MONEY} }}
  discountedPriceSet {{ {MONEY} }}
  discountAllocations {{ allocatedAmountSet {{ {MONEY} }} discountApplication {{ index }} }}
  {TAX_LINES}
"""

REFUND_SUMMARY = f"id legacyResourceId createdAt note totalRefundedSet {{ {MONEY} }}"

# Cost: Shopify takes a query's whole *requested* cost before running it, and computes it from
# the ``first:`` of every connection times what one node selects
# (https://shopify.dev/docs/api/usage/limits#cost-calculation), so each connection's first page
# is sized to what an order or refund normally carries, and one that has more
# (``pageInfo.hasNextPage``) is read to its end with the follow-up queries below
# (:meth:`xerosync.sources.shopify.store.ShopifyStore.order`): never cut, whatever its size.
FIRST = {"lineItems": 3, "shippingLines": 2, "refundLineItems": 4, "refundShippingLines": 1,
         "orderAdjustments": 2, "transactions": 2}  # fmt: skip
FOLLOW = 10  # nodes a page of a follow-up query reads (a connection with more than its first page)

REFUND_LINE_ITEM = f"""
  id quantity restockType
  lineItem {{ id name sku isGiftCard variant {{ id legacyResourceId }} product {{ id legacyResourceId }} }}
  priceSet {{ {MONEY} }}
  subtotalSet {{ {MONEY} }}
  totalTaxSet {{ {MONEY} }}
"""
REFUND_SHIPPING_LINE = f"id shippingLine {{ id title }} subtotalAmountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }}"
ORDER_ADJUSTMENT = f"id reason amountSet {{ {MONEY} }} taxAmountSet {{ {MONEY} }}"

REFUND_FIELDS = f"""
  {REFUND_SUMMARY}
  refundLineItems(first: {FIRST["refundLineItems"]}) {{ {PAGE_INFO} nodes {{ {REFUND_LINE_ITEM} }} }}
  refundShippingLines(first: {FIRST["refundShippingLines"]}) {{ {PAGE_INFO} nodes {{ {REFUND_SHIPPING_LINE} }} }}
  orderAdjustments(first: {FIRST["orderAdjustments"]}) {{ {PAGE_INFO} nodes {{ {ORDER_ADJUSTMENT} }} }}
  duties {{ originalDuty {{ id }} amountSet {{ {MONEY} }} }}
  transactions(first: {FIRST["transactions"]}) {{ {PAGE_INFO} nodes {{ {TRANSACTION} }} }}
"""

# An order, with everything the books need (https://shopify.dev/docs/api/admin-graphql/latest/objects/Order).
ORDER_HEAD = f"""
  id legacyResourceId name createdAt processedAt updatedAt cancelledAt cancelReason closedAt test
  displayFinancialStatus currencyCode presentmentCurrencyCode taxesIncluded taxExempt
  email phone paymentGatewayNames
  customer {{ id legacyResourceId firstName lastName displayName defaultEmailAddress {{ emailAddress }} }}
  billingAddress {{ {ADDRESS} }}
  subtotalPriceSet {{ {MONEY} }}
  totalPriceSet {{ {MONEY} }}
  totalTaxSet {{ {MONEY} }}
  totalDiscountsSet {{ {MONEY} }}
  totalShippingPriceSet {{ {MONEY} }}
  totalTipReceivedSet {{ {MONEY} }}
  totalRefundedSet {{ {MONEY} }}
  totalOutstandingSet {{ {MONEY} }}
  currentTotalPriceSet {{ {MONEY} }}
  originalTotalDutiesSet {{ {MONEY} }}
  currentTotalDutiesSet {{ {MONEY} }}
  {TAX_LINES}
  # transactions and refunds are lists, not connections (no cursor to page by): without ``first``
  # Shopify answers all of them, where ``first: 20`` cut an order's 21st refund off unseen
  transactions {{ {TRANSACTION} parentTransaction {{ id }} }}
"""

ORDER_FIELDS = f"""
  {ORDER_HEAD}
  lineItems(first: {FIRST["lineItems"]}) {{ nodes {{ {LINE_ITEM} }} {PAGE_INFO} }}
  shippingLines(first: {FIRST["shippingLines"]}, includeRemovals: true) {{ nodes {{ {SHIPPING_LINE} }} {PAGE_INFO} }}
  refunds {{ {REFUND_SUMMARY} }}
"""

ORDER = f"""
query Order($id: ID!) {{
  order(id: $id) {{ {ORDER_FIELDS} }}
}}
"""

# The pages after the first of an order's or a refund's connections (``$after``: the endCursor).
ORDER_LINE_ITEMS = f"""
query OrderLineItems($id: ID!, $after: String) {{
  order(id: $id) {{ lineItems(first: {FOLLOW}, after: $after) {{ nodes {{ {LINE_ITEM} }} {PAGE_INFO} }} }}
}}
"""

ORDER_SHIPPING_LINES = f"""
query OrderShippingLines($id: ID!, $after: String) {{
  order(id: $id) {{
    shippingLines(first: {FOLLOW}, after: $after, includeRemovals: true) {{ nodes {{ {SHIPPING_LINE} }} {PAGE_INFO} }}
  }}
}}
"""

REFUND_LINE_ITEMS = f"""
query RefundLineItems($id: ID!, $after: String) {{
  refund(id: $id) {{ refundLineItems(first: {FOLLOW}, after: $after) {{ nodes {{ {REFUND_LINE_ITEM} }} {PAGE_INFO} }} }}
}}
"""

REFUND_SHIPPING_LINES = f"""
query RefundShippingLines($id: ID!, $after: String) {{
  refund(id: $id) {{
    refundShippingLines(first: {FOLLOW}, after: $after) {{ nodes {{ {REFUND_SHIPPING_LINE} }} {PAGE_INFO} }}
  }}
}}
"""

REFUND_ADJUSTMENTS = f"""
query RefundAdjustments($id: ID!, $after: String) {{
  refund(id: $id) {{
    orderAdjustments(first: {FOLLOW}, after: $after) {{ nodes {{ {ORDER_ADJUSTMENT} }} {PAGE_INFO} }}
  }}
}}
"""

REFUND_TRANSACTIONS = f"""
query RefundTransactions($id: ID!, $after: String) {{
  refund(id: $id) {{ transactions(first: {FOLLOW}, after: $after) {{ nodes {{ {TRANSACTION} }} {PAGE_INFO} }} }}
}}
"""

# Each paged connection of an order or a refund, with the query that reads its next pages.
ORDER_PAGES = {"lineItems": ORDER_LINE_ITEMS, "shippingLines": ORDER_SHIPPING_LINES}
REFUND_PAGES = {
    "refundLineItems": REFUND_LINE_ITEMS,
    "refundShippingLines": REFUND_SHIPPING_LINES,
    "orderAdjustments": REFUND_ADJUSTMENTS,
    "transactions": REFUND_TRANSACTIONS,
}

REFUND = f"""
query Refund($id: ID!) {{
  refund(id: $id) {{ {REFUND_FIELDS} }}
}}
"""

# --- listings (thin: what a watermark and a mapping comparison need) -----------------------

ORDERS_UPDATED = f"""
query OrdersUpdated($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{ id legacyResourceId name createdAt updatedAt cancelledAt test displayFinancialStatus }}
    {PAGE_INFO}
  }}
}}
"""

ORDERS_COUNT = """
query OrdersCount($query: String) {
  ordersCount(query: $query) { count precision }
}
"""

CUSTOMER_FIELDS = f"""
  id legacyResourceId firstName lastName displayName createdAt updatedAt taxExempt
  defaultEmailAddress {{ emailAddress }}
  defaultPhoneNumber {{ phoneNumber }}
  defaultAddress {{ {ADDRESS} }}
"""

CUSTOMERS_UPDATED = f"""
query CustomersUpdated($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{ {CUSTOMER_FIELDS} }}
    {PAGE_INFO}
  }}
}}
"""

CUSTOMER = f"""
query Customer($id: ID!) {{
  customer(id: $id) {{ {CUSTOMER_FIELDS} }}
}}
"""

VARIANT_FIELDS = "id legacyResourceId title displayName sku price compareAtPrice inventoryQuantity taxable updatedAt"
PRODUCT_FIELDS = f"""
  id legacyResourceId title description status createdAt updatedAt hasOnlyDefaultVariant
  variants(first: 100) {{ nodes {{ {VARIANT_FIELDS} }} {PAGE_INFO} }}
"""

PRODUCTS_UPDATED = f"""
query ProductsUpdated($first: Int!, $after: String, $query: String) {{
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{ {PRODUCT_FIELDS} }}
    {PAGE_INFO}
  }}
}}
"""

PRODUCT = f"""
query Product($id: ID!) {{
  product(id: $id) {{ {PRODUCT_FIELDS} }}
}}
"""

# A variant with its product (a variant's key is the item's: product:<variant id>).
VARIANT = f"""
query Variant($id: ID!) {{
  productVariant(id: $id) {{
    {VARIANT_FIELDS}
    product {{ id legacyResourceId title description status createdAt updatedAt hasOnlyDefaultVariant }}
  }}
}}
"""

# Where an order stands, before marking it paid.
ORDER_STATUS = """
query OrderStatus($id: ID!) {
  order(id: $id) { id legacyResourceId displayFinancialStatus cancelledAt test updatedAt }
}
"""

# --- webhooks ------------------------------------------------------------------------------
WEBHOOK_SUBSCRIPTIONS = f"""
query WebhookSubscriptions($first: Int!, $after: String) {{
  webhookSubscriptions(first: $first, after: $after) {{
    nodes {{ id topic uri name format createdAt }}
    {PAGE_INFO}
  }}
}}
"""

WEBHOOK_SUBSCRIPTION_CREATE = """
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri name format createdAt }
    userErrors { field message }
  }
}
"""

WEBHOOK_SUBSCRIPTION_DELETE = """
mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""

# --- bulk operations (history) -------------------------------------------------------------
BULK_RUN_QUERY = """
mutation BulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}
"""

BULK_FIELDS = "id status errorCode objectCount createdAt completedAt url partialDataUrl"

CURRENT_BULK_OPERATION = f"""
query CurrentBulkOperation {{
  currentBulkOperation(type: QUERY) {{ {BULK_FIELDS} }}
}}
"""

BULK_OPERATION = f"""
query BulkOperation($id: ID!) {{
  node(id: $id) {{ ... on BulkOperation {{ {BULK_FIELDS} }} }}
}}
"""


def bulk_orders(search: str) -> str:
    """The bulk query of every order matching ``search`` (Shopify's search syntax, e.g.
    ``created_at:>='2026-07-01T00:00:00Z'``), in full but for the refunds' lines: 4 connections
    (orders, lineItems, shippingLines and none deeper), each node on its own JSONL line with its
    parent's id in ``__parentId``."""
    quoted = search.replace("\\", "\\\\").replace('"', '\\"')
    return f"""
{{
  orders(query: "{quoted}", sortKey: CREATED_AT) {{
    edges {{ node {{
      {ORDER_HEAD}
      refunds {{ {REFUND_SUMMARY} }}
      lineItems {{ edges {{ node {{ {LINE_ITEM} }} }} }}
      shippingLines(includeRemovals: true) {{ edges {{ node {{ {SHIPPING_LINE} }} }} }}
    }} }}
  }}
}}
"""


# --- writes --------------------------------------------------------------------------------
ORDER_MARK_AS_PAID = """
mutation OrderMarkAsPaid($input: OrderMarkAsPaidInput!) {
  orderMarkAsPaid(input: $input) {
    order { id displayFinancialStatus updatedAt }
    userErrors { field message }
  }
}
"""

PRODUCT_VARIANTS_BULK_UPDATE = """
mutation ProductVariantsBulkUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message }
  }
}
"""

PRODUCT_UPDATE = """
mutation ProductUpdate($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id title }
    userErrors { field message }
  }
}
"""

INVENTORY_SET_QUANTITIES = """
mutation InventorySetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { reason }
    userErrors { field message }
  }
}
"""

VARIANT_INVENTORY = """
query VariantInventory($id: ID!) {
  productVariant(id: $id) {
    id
    product { id hasOnlyDefaultVariant }
    inventoryItem { id tracked inventoryLevels(first: 5) { nodes { location { id } } } }
  }
}
"""

SHOP = """
query Shop {
  shop { name myshopifyDomain currencyCode ianaTimezone taxesIncluded }
}
"""

# The token's scopes, for ``xerosync setup``'s check (read_all_orders among them).
ACCESS_SCOPES = """
query AccessScopes {
  currentAppInstallation { accessScopes { handle } }
  shop { name myshopifyDomain currencyCode ianaTimezone taxesIncluded }
}
"""
