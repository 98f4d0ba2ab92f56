"""Shopify customers and products into the domain (pure): parties (a customer by id, a guest by
email) and items (each variant; SKU -> Code). Field names are the Admin GraphQL API's
(https://shopify.dev/docs/api/admin-graphql/latest/objects/Customer, ``Product``,
``ProductVariant``)."""

from decimal import Decimal

from xerosync.domain import Party, PostalAddress, Product
from xerosync.sources.shopify.values import Record, legacy_id, nodes


# --- people ---------------------------------------------------------------------------------
def _address(a: Record | None) -> PostalAddress:
    a = a or {}
    return PostalAddress(
        lines=tuple(" ".join(str(a[k]).split()) for k in ("address1", "address2") if a.get(k)),
        city=str(a.get("city") or "").strip(),
        region=str(a.get("provinceCode") or a.get("province") or "").strip(),
        postcode=str(a.get("zip") or "").strip(),
        country=str(a.get("countryCodeV2") or a.get("country") or "").strip().upper(),
    )


def _email(record: Record) -> str:
    found = record.get("defaultEmailAddress") or {}
    return str(found.get("emailAddress") or record.get("email") or "").strip().lower()


def _name(first: str, last: str, company: str, email: str) -> str:
    return company or f"{first} {last}".strip() or email or "Unknown customer"


def party_from_customer(customer: Record) -> Party:
    """A Shopify customer: ContactNumber is its id, so it is found again whatever its name."""
    customer_id = legacy_id(customer, "customer")
    address = customer.get("defaultAddress") or {}
    first, last = str(customer.get("firstName") or "").strip(), str(customer.get("lastName") or "").strip()
    company, email = str(address.get("company") or "").strip(), _email(customer)
    phone = str((customer.get("defaultPhoneNumber") or {}).get("phoneNumber") or customer.get("phone") or "")
    return Party(
        key=f"customer:{customer_id}",
        name=_name(first, last, company, email),
        customer_number=customer_id,
        first_name=first,
        last_name=last,
        email=email,
        company=company,
        phone=(phone or str(address.get("phone") or "")).strip(),
        address=_address(address),
    )


def party_from_order(order: Record) -> Party:
    """The order's buyer: the customer (``customer:<id>``), else a guest known by email
    (``guest:<email>``: the key a WooCommerce guest has too, so one buyer of two stores is one
    Xero contact), else only the order."""
    billing = order.get("billingAddress") or {}
    customer = order.get("customer") or {}
    email = _email(order) or _email(customer)
    first = str(billing.get("firstName") or customer.get("firstName") or "").strip()
    last = str(billing.get("lastName") or customer.get("lastName") or "").strip()
    company = str(billing.get("company") or "").strip()
    customer_id = legacy_id(customer, "customer") if customer else ""
    key = (
        f"customer:{customer_id}" if customer_id else (f"guest:{email}" if email else f"guest-order:{legacy_id(order)}")
    )
    return Party(
        key=key,
        name=_name(first, last, company, email),
        customer_number=customer_id or None,
        first_name=first,
        last_name=last,
        email=email,
        company=company,
        phone=str(billing.get("phone") or order.get("phone") or "").strip(),
        address=_address(billing),
    )


# --- products -------------------------------------------------------------------------------
def products_from(product: Record) -> list[Product]:
    """A Shopify product and its variants: each variant is a Xero item (SKU -> Code); the product
    itself is sold only as its variants, unless it has only its default variant (then that
    variant is the product, named as the product)."""
    product_id = legacy_id(product, "product")
    title = " ".join(str(product.get("title") or "").split())
    description = " ".join(str(product.get("description") or "").split()) or title
    deleted = str(product.get("status") or "").upper() == "ARCHIVED"
    only_default = bool(product.get("hasOnlyDefaultVariant"))
    variants = nodes(product.get("variants"))
    found = [
        Product(
            f"product:{product_id}",
            None,
            title or f"Product {product_id}",
            description,
            None,
            deleted=deleted,
            sellable=False,
            variants=tuple(f"product:{legacy_id(v, 'variant')}" for v in variants),
        )
    ]
    for variant in variants:
        variant_title = " ".join(str(variant.get("title") or "").split())
        name = title if only_default or variant_title in ("", "Default Title") else f"{title} - {variant_title}"
        price = variant.get("price")
        found.append(
            Product(
                f"product:{legacy_id(variant, 'variant')}",
                str(variant.get("sku") or "").strip() or None,
                name,
                description,
                Decimal(str(price)) if price not in (None, "") else None,
                is_variation=True,
                deleted=deleted,
            )
        )
    return found


def variant_product(variant: Record, product: Record) -> Product:
    """One variant (a Xero item), named by its product (and its own title, unless it is the
    product's only, default variant)."""
    for item in products_from({**product, "variants": {"nodes": [variant]}})[1:]:
        return item
    raise ValueError("a Shopify variant without its product")


def product_of(raw: Record, record_id: str | None = None) -> Product:
    """The item a Shopify record stands for: a ``ProductVariant`` (with its ``product``), or a
    ``Product`` with its variants. For a product, ``record_id`` says which record of it is meant
    (a products/* webhook makes one envelope per variant and one for the product itself:
    :func:`xerosync.sources.shopify.webhook.product_envelopes`): the product's own id, the product
    (sold as its variants: no item); a variant's id, that variant. Without it (``xerosync preview``
    of a webhook body), its most recently updated variant, or the product when it has none."""
    if "variants" not in raw:
        return variant_product(raw, raw.get("product") or {})
    variants = nodes(raw.get("variants"))
    if (record_id is not None and record_id == legacy_id(raw, "product")) or not variants:
        return products_from(raw)[0]
    if record_id is not None:
        for variant in variants:
            if legacy_id(variant, "variant") == record_id:
                return variant_product(variant, raw)
        raise ValueError(f"Shopify product {legacy_id(raw, 'product')} carries no variant {record_id}")
    newest = max(variants, key=lambda v: str(v.get("updatedAt") or ""))
    return variant_product(newest, raw)
