"""Masked contact details are enough to recognise and not enough to reach."""

from genome.service.masking import mask, mask_email, mask_phone


def test_an_e_mail_keeps_its_first_letter_and_domain():
    assert mask_email("jane.doe@example.com") == "j***@example.com"
    assert mask_email("not an address") == "***"


def test_a_phone_keeps_its_last_four_digits():
    assert mask_phone("+13125550142") == "*** *** 0142"
    assert mask_phone("123") == "***"


def test_other_identifiers_are_not_contact_details():
    assert mask("loyalty_id", "L-0042") == "L-0042" and mask("email", None) is None
