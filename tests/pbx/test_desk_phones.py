"""The sandbox's desk phones (hotline/pbx/desk_phones.py): the hotline PBX holds only digests of passwords that the
network's registrations hold, each phone registers from an address the trunk is not identified by, and a
production render has none of them."""
import re

from core.settings import Settings
from hotline.pbx import desk_phones
from hotline.pbx.instance import hotline_includes
from hotline.pbx.render import generated_includes
from telephony.phones.credentials import password_digest

SECRET = "instance-secret-for-the-test"


def test_the_hotline_holds_the_digest_of_the_password_the_network_registers_with():
    hotline, network = desk_phones.hotline_side(SECRET), desk_phones.network_side(SECRET, 5060, 5080)
    for extension in desk_phones.EXTENSIONS:
        name, secret = desk_phones.endpoint(extension), desk_phones.password(SECRET, extension)
        assert secret not in hotline and f"password = {secret}" in network
        assert f"password_digest = {password_digest(name, desk_phones.REALM, secret)}" in hotline
        assert f"client_uri = sip:{name}@127.0.0.1:5060" in network
    assert re.search(rf"bind = {re.escape(desk_phones.REGISTER_ADDRESS)}:5080", network)
    assert desk_phones.REGISTER_ADDRESS != "127.0.0.1"   # the trunk is identified by 127.0.0.1 and that port


def test_passwords_differ_per_phone_and_per_instance():
    assert desk_phones.password(SECRET, "101") != desk_phones.password(SECRET, "102")
    assert desk_phones.password(SECRET, "101") != desk_phones.password("another-instance", "101")


def test_only_the_sandbox_render_has_them():
    settings = Settings(agi_port=4999, ami_port=5999)
    assert desk_phones.INCLUDE in hotline_includes(settings, SECRET)
    assert desk_phones.INCLUDE not in generated_includes(settings, SECRET)
