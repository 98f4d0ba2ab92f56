"""The decision (pure) behind a refund after a decrease already booked as a credit note: money the
refund's lines do not explain is paid out of the decreases' notes, oldest first, each for at most
the credit it has left; the rest is a refund of its own, lines and tenders and all."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.test_line_kinds import line, sale_of
from xerosync.domain import Refund, SaleLine, Tender
from xerosync.sync import owed

D = Decimal
ZERO = D(0)
DAY = date(2026, 3, 2)
A1, A2 = "adjust:1:1", "adjust:1:2"


def refund(amount: str, *lines: SaleLine, tenders: tuple[Tender, ...] = (), refund_id: str = "9") -> Refund:
    return Refund(f"refund:1:{refund_id}", refund_id, "order:1", DAY, D(amount), "", lines, bool(tenders), tenders)


def card(amount: str, tender_id: str = "t1", gateway: str = "stripe") -> Tender:
    return Tender(tender_id, gateway, D(amount), DAY, "", gateway.title())


def gap(amount: str) -> SaleLine:
    """The store's adjustment line: its money beyond (or short of) what the lines are worth."""
    return SaleLine("adjustment", "adjustment:9", "Refund adjustment", D(1), D(amount), ZERO, D(amount), ZERO)


def test_an_amount_only_refund_of_the_decrease_is_all_paid_out_of_its_note() -> None:
    split = owed.split(refund("22.00"), [(A1, D("22.00"))])
    assert [(d.note, d.amount) for d in split.draws] == [(A1, D("22.00"))]
    assert split.rest.amount == 0 and split.drawn == D("22.00")


def test_a_refund_of_part_of_the_decrease_leaves_the_rest_of_the_credit() -> None:
    split = owed.split(refund("10.00"), [(A1, D("22.00"))])
    assert [(d.note, d.amount) for d in split.draws] == [(A1, D("10.00"))] and split.rest.amount == 0


def test_money_beyond_the_credit_left_is_a_refund_of_its_own() -> None:
    split = owed.split(refund("30.00"), [(A1, D("22.00"))])
    assert split.drawn == D("22.00")
    assert (split.rest.amount, split.rest.lines) == (D("8.00"), ())  # amount-only, as the refund was


def test_decreases_are_drawn_on_oldest_first_and_spent_ones_are_passed_over() -> None:
    split = owed.split(refund("25.00"), [(A1, ZERO), ("adjust:1:3", D("-1")), (A2, D("10.00")), ("adjust:1:4", D(30))])
    assert [(d.note, d.amount) for d in split.draws] == [(A2, D("10.00")), ("adjust:1:4", D("15.00"))]


def test_a_refund_of_returned_lines_and_the_decrease_draws_only_the_money_its_lines_do_not_explain() -> None:
    tee = line("product", "30.00", "3.00")
    split = owed.split(refund("55.00", tee, gap("22.00")), [(A1, D("22.00"))])
    assert split.drawn == D("22.00")
    # the tee is credited as ever, and the adjustment line the drawn money was is gone
    assert (split.rest.amount, split.rest.lines) == (D("33.00"), (tee,))


def test_part_of_an_adjustment_line_the_credit_does_not_hold_stays_on_it() -> None:
    tee = line("product", "30.00", "3.00")
    split = owed.split(refund("55.00", tee, gap("22.00")), [(A1, D("15.00"))])
    assert split.rest.amount == D("40.00")
    assert [(ln.kind, ln.total) for ln in split.rest.lines] == [("product", D("30.00")), ("adjustment", D("7.00"))]


def test_lines_worth_the_money_or_more_draw_nothing() -> None:
    tee = line("product", "30.00", "3.00")
    for case in (refund("33.00", tee), refund("20.00", tee, gap("-13.00"))):
        split = owed.split(case, [(A1, D("22.00"))])
        assert split.draws == () and split.rest == case


def test_without_a_decrease_a_refund_is_exactly_what_it_was() -> None:
    case = refund("22.00", tenders=(card("22.00"),))
    assert owed.split(case, []) == owed.Split((), case)


def test_the_refund_s_tenders_go_to_the_draws_first_one_split_where_the_draw_ends() -> None:
    gift, visa = card("10.00", "g1", "gift_card"), card("45.00", "c1")
    tee = line("product", "30.00", "3.00")
    split = owed.split(refund("55.00", tee, gap("22.00"), tenders=(gift, visa)), [(A1, D("22.00"))])
    [draw] = split.draws
    assert [(t.id, t.amount) for t in draw.tenders] == [("g1", D("10.00")), ("c1", D("12.00"))]
    assert [(t.id, t.amount) for t in split.rest.payments] == [("c1", D("33.00"))]


def test_a_recorded_decision_is_followed_whatever_credit_is_left_now() -> None:
    """Once recorded, a split is never decided again: after it was paid, the note has no credit left,
    and deciding again would credit the money a second time."""
    case = refund("22.00", tenders=(card("22.00"),))
    assert owed.recorded(case, [(A1, D("22.00"))]) == owed.split(case, [(A1, D("22.00"))])
    assert owed.split(case, [(A1, ZERO)]).rest == case  # what deciding again would have done


def test_a_draw_s_reference_names_its_refund_so_two_refunds_on_one_note_are_told_apart() -> None:
    sale = sale_of(line("product", "20.00", "2.00"))
    without = [owed.reference(sale, refund("5.00", refund_id=r), None) for r in ("7", "8")]
    assert without == ["Refund 7 of order 1", "Refund 8 of order 1"]
    assert owed.reference(sale, refund("5.00"), card("5.00", "t9")) == "Refund 9 of order 1: Stripe t9"
    assert owed.reference(sale, refund("5.00"), Tender("t9", "stripe", D(5), DAY, "re_123")) == (
        "Refund 9 of order 1: re_123"
    )


money = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)


@given(
    worth=st.lists(money, max_size=3),
    extra=st.decimals(min_value=D("-50"), max_value=D("200"), places=2),
    credit=st.lists(st.decimals(min_value=D("-5"), max_value=D("100"), places=2), max_size=3),
    two_tenders=st.booleans(),
)
def test_a_split_never_draws_more_than_is_unexplained_or_left_and_keeps_every_cent(
    worth: list[Decimal], extra: Decimal, credit: list[Decimal], two_tenders: bool
) -> None:
    lines = [line("product", str(w), n=i) for i, w in enumerate(worth)]
    amount = sum(worth, ZERO) + extra
    if amount <= 0:
        return
    half = (amount / 2).quantize(D("0.01"))
    parts = [amount] if not two_tenders or half == 0 else [half, amount - half]
    tenders = tuple(card(str(p), f"t{i}") for i, p in enumerate(parts))
    adjustment = (gap(str(extra)),) if lines and extra else ()
    case = refund(str(amount), *lines, *adjustment, tenders=tenders)
    notes = [(f"adjust:1:{i}", c) for i, c in enumerate(credit, 1)]
    split = owed.split(case, notes)
    assert split.drawn <= owed.unexplained(case) and split.drawn + split.rest.amount == case.amount
    for draw in split.draws:
        assert ZERO < draw.amount <= dict(notes)[draw.note]
        assert sum((t.amount for t in draw.tenders), ZERO) == draw.amount
    assert sum((t.amount for t in split.rest.payments), ZERO) == split.rest.amount
    # the rest's lines still add up to its money wherever the refund's did
    if lines:
        assert sum((ln.total + ln.tax for ln in split.rest.lines), ZERO) == split.rest.amount
