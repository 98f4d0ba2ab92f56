"""Listing: fields required, paging by page and by page_token beyond 2,000 records,
If-Modified-Since and sort, the deleted-records list."""

from datetime import timedelta

from local.zoho_crm import ZohoCRM
from tests.zoho_crm.conftest import Client


def test_fields_are_required_and_only_they_come_back(crm: ZohoCRM, client: Client) -> None:
    client("POST", "/Vendors", {"data": [{"Vendor_Name": "Zylker", "Email": "a@z.example", "Phone": "1"}]})
    missing = client("GET", "/Vendors")
    assert missing.status == 400 and missing.body == {
        "code": "REQUIRED_PARAM_MISSING", "status": "error", "details": {"param_name": "fields"},
        "message": "required param is missing"}  # fmt: skip
    got = client("GET", "/Vendors", fields="Vendor_Name,Email")
    assert got.status == 200 and set(got.body["data"][0]) == {"id", "Vendor_Name", "Email"}


def test_paging_page_then_page_token_beyond_2000(crm: ZohoCRM, client: Client) -> None:
    for n in range(2050):
        crm.store.put("Products", {"Product_Name": f"P{n}", "Product_Code": f"C{n}"}, crm.user)
    first = client("GET", "/Products", fields="Product_Code", per_page=200, page=1)
    assert first.body["info"]["more_records"] is True and first.body["info"]["count"] == 200
    tenth = client("GET", "/Products", fields="Product_Code", per_page=200, page=10)
    assert tenth.status == 200 and tenth.body["data"][-1]["Product_Code"] == "C1999"
    beyond = client("GET", "/Products", fields="Product_Code", per_page=200, page=11)
    assert beyond.status == 400 and beyond.body == {
        "code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "details": {"limit": 2000}, "status": "error",
        "message": "You can only get the first 2000 records without using page_token param"}  # fmt: skip
    too_many = client("GET", "/Products", fields="Product_Code", per_page=201)
    assert too_many.status == 400
    seen, token = [r["Product_Code"] for r in first.body["data"]], first.body["info"]["next_page_token"]
    while token:
        page = client("GET", "/Products", fields="Product_Code", per_page=200, page_token=token)
        assert page.status == 200
        seen += [r["Product_Code"] for r in page.body["data"]]
        token = page.body["info"]["next_page_token"]
    assert seen == [f"C{n}" for n in range(2050)]


def test_if_modified_since_and_sort_by_modified_time(crm: ZohoCRM, client: Client) -> None:
    ids = [
        client("POST", "/Accounts", {"data": [{"Account_Name": f"A{n}"}]}).body["data"][0]["details"]["id"]
        for n in range(3)
    ]
    crm.clock.advance(600)
    mark = crm.now()
    crm.clock.advance(5)
    client("PUT", "/Accounts", {"data": [{"id": ids[0], "Phone": "9"}], "trigger": []})
    since = {"If-Modified-Since": mark.isoformat()}
    changed = client(
        "GET",
        "/Accounts",
        headers=since,
        fields="Account_Name,Modified_Time",
        sort_by="Modified_Time",
        sort_order="desc",
    )
    assert [r["id"] for r in changed.body["data"]] == [ids[0]]
    later = {"If-Modified-Since": (crm.now() + timedelta(seconds=1)).isoformat()}
    assert client("GET", "/Accounts", headers=later, fields="Account_Name").status == 304
    every = client("GET", "/Accounts", fields="Account_Name", sort_by="Modified_Time", sort_order="desc")
    assert [r["id"] for r in every.body["data"]] == [ids[0], ids[2], ids[1]]


def test_deleted_records_are_listed(crm: ZohoCRM, client: Client) -> None:
    ids = [
        client("POST", "/Contacts", {"data": [{"Last_Name": f"L{n}"}]}).body["data"][0]["details"]["id"]
        for n in range(3)
    ]
    assert client("GET", "/Contacts/deleted").status == 204
    crm.clock.advance(60)
    gone = client("DELETE", "/Contacts", ids=f"{ids[0]},{ids[2]}")
    assert gone.status == 200 and [a["details"]["id"] for a in gone.body["data"]] == [ids[0], ids[2]]
    listed = client("GET", "/Contacts/deleted", type="all")
    assert {d["id"] for d in listed.body["data"]} == {ids[0], ids[2]}
    row = listed.body["data"][0]
    assert (
        set(row) == {"deleted_by", "id", "display_name", "type", "created_by", "deleted_time"}
        and row["type"] == "recycle"
    )
    assert client("GET", f"/Contacts/{ids[0]}").status == 204
    assert [r["id"] for r in client("GET", "/Contacts", fields="Last_Name").body["data"]] == [ids[1]]
