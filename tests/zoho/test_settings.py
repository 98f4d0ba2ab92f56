"""The Zoho CRM section of the store settings."""

from xerosync.sources.zoho.settings import MODULES, problems, zoho_settings


def test_defaults_sync_every_module_from_the_com_data_centre() -> None:
    settings = zoho_settings({})
    assert (settings.data_centre, settings.modules, settings.xero_contact_id_field) == (
        "com",
        MODULES,
        "Xero_Contact_ID",
    )
    assert settings.no_email_match_field == ""


def test_a_section_is_read_and_modules_kept_once() -> None:
    section = {"data_centre": "eu", "modules": ["Accounts", "Invoices", "Accounts"], "no_email_match_field": "Phone"}
    settings = zoho_settings(section)
    assert (settings.data_centre, settings.modules, settings.no_email_match_field) == (
        "eu", ("Accounts", "Invoices"), "Phone",
    )  # fmt: skip


def test_problems_name_the_field() -> None:
    found = problems({"data_centre": "zoho.eu", "modules": ["Deals"], "xero_contact_id_field": "Xero ID"})
    assert len(found) == 3
    assert all(line.startswith(("store.data_centre", "store.modules", "store.xero_contact_id_field")) for line in found)
    assert problems({"modules": []}) and not problems({"data_centre": "com.au"})
