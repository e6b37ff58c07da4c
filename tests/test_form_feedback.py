"""A form with several mistakes names every one of them at once and keeps what was typed."""

from flask_babel import gettext as _


def test_household_form_shows_every_bad_field_together(world, login_as):
    c = login_as("unit_admin")
    response = c.post(
        f"/units/{world.village.id}/households/new",
        data={"code": "H1", "head_name": "李四", "phone": "abc", "address": "东街 5 号"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _("The household code %(code)s is already used in this unit.", code="H1") in page
    assert _("The phone number may hold only digits, spaces, '-' and a leading '+'.").replace("'", "&#39;") in page
    assert 'value="李四"' in page and 'value="东街 5 号"' in page
    assert page.count('aria-invalid="true"') == 2


def test_unit_form_shows_a_used_code_and_a_wrong_parent_together(world, login_as):
    c = login_as("county_admin")
    response = c.post(
        "/admin/units/new", data={"code": "V1", "name": "新村", "kind": "village", "parent_code": world.village.code}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _("The code %(code)s is already used.", code="V1") in page
    assert _("A unit must belong to a township or a county.") in page
    assert 'value="新村"' in page


def test_api_style_errors_list_every_field(app, world):
    from moral_bank.core.errors import FieldErrors, field_messages

    exc = FieldErrors([("code", "bad code"), ("phone", "bad phone"), ("code", "second code problem")])
    assert field_messages(exc) == {"code": ["bad code"], "phone": ["bad phone"]}
