"""The records API: Zoho's own create examples accepted and read back, totals to the cent, bulk
answers per record, partial updates, triggers, the custom field."""

import json
from decimal import Decimal
from typing import Any

from local.zoho_crm import User, ZohoCRM
from local.zoho_crm.records import LINE_ITEMS, LOOKUPS, NAME_FIELD
from tests.conftest import reference_file
from tests.zoho_crm.conftest import Client

MODULES = ("Accounts", "Contacts", "Vendors", "Products", "Quotes", "Sales_Orders", "Invoices", "Purchase_Orders")
D = Decimal


def examples() -> dict[str, Any]:
    return dict(json.loads(reference_file("fixtures", "zoho", "crm_oas_v8_create_record_examples.json").read_text()))


def seed_references(crm: ZohoCRM, body: dict[str, Any]) -> None:
    """The records the example's lookups name, given the ids it names (Zoho checks that a lookup
    id exists: the simulator too)."""

    def visit(key: str, value: Any) -> None:
        if key == "Owner" and isinstance(value, dict):
            crm.store.add_user(User(value["id"], value["name"], "owner@zylker.example"))
        elif key in LOOKUPS and isinstance(value, dict) and value.get("id"):
            module = LOOKUPS[key]
            if crm.store.get(module, value["id"]) is None:
                data: dict[str, Any] = {NAME_FIELD[module] if module != "Contacts" else "Last_Name": value["name"]}
                if module == "Products":
                    data["Unit_Price"] = value.get("Unit_Price", 999)
                if module in LINE_ITEMS:  # a document needs a line: one of a product of its own
                    product = crm.store.put("Products", {"Product_Name": f"For {value['name']}"}, crm.user)
                    data[LINE_ITEMS[module]] = [{"Product_Name": {"id": product["id"]}}]
                crm.store.put(module, data, crm.user, record_id=value["id"])
        elif isinstance(value, dict):
            for k, v in value.items():
                visit(k, v)
        elif isinstance(value, list):
            for item in value:
                visit(key, item)

    for record in body["data"]:
        for key, value in record.items():
            visit(key, value)
    for record in body["data"]:  # a lookup by name only (the Quotes example): that record exists once
        for row in record.get(LINE_ITEMS.get("Quotes", ""), []):
            name = row["Product_Name"]["name"]
            if not any(p["Product_Name"] == name for p in crm.store.all("Products")):
                crm.store.put("Products", {"Product_Name": name, "Unit_Price": 999}, crm.user)


def test_each_of_zohos_create_examples_is_accepted_and_read_back(crm: ZohoCRM, client: Client) -> None:
    fixtures = examples()
    for module in MODULES:
        body = fixtures[module]
        seed_references(crm, body)
        reply = client("POST", f"/{module}", body)
        assert reply.status == 201, (module, reply.body)
        answer = reply.body["data"][0]
        assert answer["code"] == "SUCCESS" and answer["message"] == "record added"
        assert set(answer["details"]) == set(fixtures["create_response_201"]["data"][0]["details"])
        got = client("GET", f"/{module}/{answer['details']['id']}").body["data"][0]
        sent = body["data"][0]
        for key, value in sent.items():
            if key in (
                "Sub_Total",
                "Tax",
                "Grand_Total",
                "Discount",
                "Adjustment",
                "Full_Name",
            ) or key == LINE_ITEMS.get(module):
                continue  # computed by the CRM, checked below
            if isinstance(value, dict) and "id" in value:
                assert got[key]["id"] == value["id"], (module, key)
            else:
                assert got[key] == (
                    D(str(value)) if isinstance(value, int | float) and not isinstance(value, bool) else value
                ), key
        if module in LINE_ITEMS:
            rows = got[LINE_ITEMS[module]]
            assert len(rows) == len(sent[LINE_ITEMS[module]])
            assert got["Sub_Total"] == sum(r["Net_Total"] for r in rows)
            assert got["Grand_Total"] == got["Sub_Total"] - got["Discount"] + got["Tax"] + got["Adjustment"]
    invoice = client("GET", "/Invoices", fields="Invoiced_Items,Grand_Total").body["data"][0]
    line = invoice["Invoiced_Items"][0]
    # the example's lower-case keys: 90 x 999 less a discount of 5 (an amount)
    assert (line["Quantity"], line["List_Price"], line["Total"], line["Net_Total"]) == (90, 999, 89910, 89905)


def invoice_body(crm: ZohoCRM, inclusive: bool) -> dict[str, Any]:
    account = crm.store.put("Accounts", {"Account_Name": "Bentley Systems"}, crm.user)
    widget = crm.store.put("Products", {"Product_Name": "Widget", "Product_Code": "W-1", "Unit_Price": 19.99}, crm.user)
    gadget = crm.store.put("Products", {"Product_Name": "Gadget", "Product_Code": "G-1", "Unit_Price": 5}, crm.user)
    record = {
        "Subject": "INV A",
        "Account_Name": {"id": account["id"]},
        "Invoiced_Items": [
            {"Product_Name": {"id": widget["id"]}, "Quantity": 3, "Discount": "10%",
             "Line_Tax": [{"name": "VAT", "percentage": 20}]},
            {"Product_Name": {"id": gadget["id"]}, "Quantity": 7, "List_Price": 4.35, "Discount": 1.5,
             "Line_Tax": [{"name": "GST", "percentage": 10}, {"name": "PST", "percentage": 7}]},
        ],
        "Discount": 2.5,
        "Adjustment": -0.33,
    }  # fmt: skip
    if inclusive:
        record["Tax_Inclusive"] = True
    return {"data": [record], "trigger": []}


def test_exclusive_totals_to_the_cent(crm: ZohoCRM, client: Client) -> None:
    reply = client("POST", "/Invoices", invoice_body(crm, inclusive=False))
    got = client("GET", f"/Invoices/{reply.body['data'][0]['details']['id']}").body["data"][0]
    widget, gadget = got["Invoiced_Items"]
    # 3 x 19.99 = 59.97; 10 % = 6.00 (5.997 half up); 53.97; VAT 20 % = 10.79 (10.794); 64.76
    assert (widget["Total"], widget["Total_After_Discount"], widget["Tax"], widget["Net_Total"]) == (
        D("59.97"), D("53.97"), D("10.79"), D("64.76"))  # fmt: skip
    # 7 x 4.35 = 30.45; less 1.50 = 28.95; GST 2.90 (2.895) + PST 2.03 (2.0265) = 4.93; 33.88
    assert [t["value"] for t in gadget["Line_Tax"]] == [D("2.90"), D("2.03")]
    assert gadget["Net_Total"] == D("33.88")
    assert (got["Sub_Total"], got["Discount"], got["Tax"], got["Adjustment"], got["Grand_Total"]) == (
        D("98.64"), D("2.5"), D(0), D("-0.33"), D("95.81"))  # fmt: skip


def test_inclusive_totals_to_the_cent(crm: ZohoCRM, client: Client) -> None:
    reply = client("POST", "/Invoices", invoice_body(crm, inclusive=True))
    got = client("GET", f"/Invoices/{reply.body['data'][0]['details']['id']}").body["data"][0]
    widget, gadget = got["Invoiced_Items"]
    # 53.97 holds VAT: 53.97 x 20/120 = 8.995 → 9.00; the line stays 53.97
    assert (widget["Tax"], widget["Net_Total"]) == (D("9.00"), D("53.97"))
    # 28.95 holds 17 %: 28.95 x 17/117 = 4.2064 → 4.21, split 10:7 → 2.48 + 1.73
    assert [t["value"] for t in gadget["Line_Tax"]] == [D("2.48"), D("1.73")]
    assert (got["Sub_Total"], got["Grand_Total"]) == (D("82.92"), D("80.09"))


def test_bulk_create_answers_per_record_and_caps_at_100(crm: ZohoCRM, client: Client) -> None:
    mixed = client("POST", "/Contacts", {"data": [{"Last_Name": "Okafor"}, {"First_Name": "No last name"}]})
    assert mixed.status == 207
    ok, bad = mixed.body["data"]
    assert ok["code"] == "SUCCESS"
    details = {"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"}
    assert bad == {
        "code": "MANDATORY_NOT_FOUND",
        "details": details,
        "message": "required field not found",
        "status": "error",
    }
    lookup = client("POST", "/Contacts", {"data": [{"Last_Name": "X", "Account_Name": {"id": "111"}}]})
    assert lookup.status == 400 and lookup.body["data"][0]["details"]["api_name"] == "Account_Name"
    many = client("POST", "/Contacts", {"data": [{"Last_Name": f"L{n}"} for n in range(101)]})
    assert many.status == 400 and many.body["code"] == "LIMIT_EXCEEDED"
    hundred = client("POST", "/Contacts", {"data": [{"Last_Name": f"L{n}"} for n in range(100)]})
    assert hundred.status == 201 and len(hundred.body["data"]) == 100


def test_update_is_partial_stamps_modified_and_records_the_triggers(crm: ZohoCRM, client: Client) -> None:
    created = client("POST", "/Accounts", {"data": [{"Account_Name": "Hooli", "Phone": "555-1"}]}).body["data"][0][
        "details"
    ]
    crm.clock.advance(90)
    updated = client(
        "PUT", "/Accounts", {"data": [{"id": created["id"], "Xero_Contact_ID": "c0ffee-1"}], "trigger": []}
    )
    assert updated.status == 200 and updated.body["data"][0]["message"] == "record updated"
    got = client("GET", f"/Accounts/{created['id']}").body["data"][0]
    assert got["Phone"] == "555-1" and got["Xero_Contact_ID"] == "c0ffee-1"  # the rest kept, the custom field set
    assert got["Modified_Time"] > created["Modified_Time"] and got["Created_Time"] == created["Created_Time"]
    client("PUT", f"/Accounts/{created['id']}", {"data": [{"Phone": "555-2"}]})
    writes = [(w.operation, w.triggers) for w in crm.store.writes if w.id == created["id"]]
    assert writes == [("insert", ("workflow", "approval", "blueprint")), ("update", ()),
                      ("update", ("workflow", "approval", "blueprint"))]  # fmt: skip
    assert got["Modified_By"]["id"] == crm.user.id
    colleague = crm.store.add_user(User("5725767000000999001", "A Colleague", "colleague@zylker.example"))
    crm.clock.advance(5)
    crm.user_edit("Accounts", [{"id": created["id"], "Phone": "555-3"}], user=colleague)
    edited = client("GET", f"/Accounts/{created['id']}").body["data"][0]
    assert (
        edited["Modified_By"] == {"name": "A Colleague", "id": colleague.id}
        and edited["Modified_Time"] > got["Modified_Time"]
    )
    unknown = client("PUT", "/Accounts", {"data": [{"id": "42", "Phone": "1"}]})
    assert unknown.status == 400 and unknown.body["data"][0]["details"]["api_name"] == "id"


def test_updating_line_items_recomputes_the_totals(crm: ZohoCRM, client: Client) -> None:
    reply = client("POST", "/Invoices", invoice_body(crm, inclusive=False))
    record_id = reply.body["data"][0]["details"]["id"]
    before = client("GET", f"/Invoices/{record_id}").body["data"][0]
    first = before["Invoiced_Items"][0]
    client("PUT", f"/Invoices/{record_id}", {"data": [{"Invoiced_Items": [{"id": first["id"], "Product_Name":
           first["Product_Name"], "Quantity": 1, "List_Price": 10}], "Adjustment": 0}]})  # fmt: skip
    after = client("GET", f"/Invoices/{record_id}").body["data"][0]
    assert [r["id"] for r in after["Invoiced_Items"]] == [first["id"]]
    assert (after["Sub_Total"], after["Grand_Total"]) == (D(10), D("7.5"))  # the record discount 2.50 stays


def test_upsert_updates_on_the_duplicate_check_field_and_inserts_otherwise(crm: ZohoCRM, client: Client) -> None:
    first = client("POST", "/Contacts", {"data": [{"Last_Name": "Silva", "Email": "ines@customer.example"}]})
    existing = first.body["data"][0]["details"]["id"]
    body = {
        "data": [{"Last_Name": "Silva", "Email": "ines@customer.example", "Phone": "1"}, {"Last_Name": "Mensah"}],
        "trigger": [],
    }
    reply = client("POST", "/Contacts/upsert", body)
    assert reply.status == 200
    same, new = reply.body["data"]
    assert (same["action"], same["duplicate_field"], same["details"]["id"]) == ("update", "Email", existing)
    assert (new["action"], new["duplicate_field"], new["message"]) == ("insert", None, "record added")
    assert client("GET", f"/Contacts/{existing}").body["data"][0]["Phone"] == "1"
    by_custom = client(
        "POST",
        "/Accounts/upsert",
        {"data": [{"Account_Name": "X", "Xero_Contact_ID": "c-9"}], "duplicate_check_fields": ["Xero_Contact_ID"]},
    )
    renamed = client(
        "POST",
        "/Accounts/upsert",
        {"data": [{"Account_Name": "Y", "Xero_Contact_ID": "c-9"}], "duplicate_check_fields": ["Xero_Contact_ID"]},
    )
    assert by_custom.body["data"][0]["action"] == "insert" and renamed.body["data"][0]["action"] == "update"
    assert [a["Account_Name"] for a in client("GET", "/Accounts", fields="Account_Name").body["data"]] == ["Y"]
