"""Photo uploads (refused files store nothing) and the onboarding flow through the views."""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import instructor_user, staff
from catalog.models import InstructorProfile, VerificationRequest
from catalog.services import instructor_go_live, instructor_profile_start
from catalog.verification import verification_decide
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _jpeg_with_exif(size=(900, 700)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "GPS-leaking software"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _stored_files() -> list[str]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.STORAGES["private"]["OPTIONS"]["location"])]
    return sorted(str(p) for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def _upload(client, name, content, content_type="image/jpeg"):
    return client.post(
        reverse("onboarding_step", args=["profile"]),
        {"action": "photo", "photo": SimpleUploadedFile(name, content, content_type=content_type)},
    )


@pytest.fixture
def instructor_client(client):
    user = instructor_user(full_name="Paula Pianist")
    client.force_login(user)
    return client


def test_photo_is_reencoded_to_fixed_sizes_without_exif_and_original_is_private(instructor_client):
    response = _upload(instructor_client, "me.jpg", _jpeg_with_exif())
    assert response.status_code == 302
    profile = InstructorProfile.objects.get()
    with Image.open(profile.photo.path) as large, Image.open(profile.photo_thumb.path) as thumb:
        assert (large.size, thumb.size) == ((600, 600), (160, 160))
        assert large.getexif() == {} and "exif" not in large.info
    original = Path(profile.photo_original.path)
    assert original.read_bytes() == _jpeg_with_exif()
    assert not str(original).startswith(str(settings.MEDIA_ROOT))
    assert len(_stored_files()) == 3


def _png(size, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make_content", "message"),
    [
        ("setup.jpg", lambda: b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(4000), "not a JPG, PNG or WebP image"),
        ("huge.png", lambda: _random_png(2600, 2600), "the limit is 5 MB"),
        ("bomb.png", lambda: _png((20_000, 20_000), mode="1"), "the limit is 8000 on each side"),
        ("cut.png", lambda: _random_png(300, 300)[:-4000], "damaged or incomplete"),
    ],
)
def test_refused_uploads_store_nothing(instructor_client, name, make_content, message):
    content = make_content()
    response = _upload(instructor_client, name, content)
    assert response.status_code == 422
    assert message in response.content.decode()
    profile = InstructorProfile.objects.get()
    assert not profile.photo and not profile.photo_thumb and not profile.photo_original
    assert _stored_files() == []


def _random_png(width, height) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, format="PNG", compress_level=0)
    return out.getvalue()


def test_onboarding_flow_to_live_through_the_views(instructor_client, nyc, local_stripe):
    client = instructor_client
    url = lambda step: reverse("onboarding_step", args=[step])  # noqa: E731
    assert client.get(reverse("onboarding")).url == url("welcome")
    response = client.post(url("go-live"))
    assert response.status_code == 422
    assert "Still needed: a headline, a bio and a photo." in response.content.decode()
    assert InstructorProfile.objects.get().status == "onboarding"

    short = client.post(url("profile"), {"headline": "Piano", "bio": "Too short", "years_experience": 3,
                                         "languages": "English", "booking_mode": "instant"})  # fmt: skip
    assert short.status_code == 422
    assert InstructorProfile.objects.get().bio == ""
    client.post(url("profile"), {"headline": "Patient piano teacher", "bio": "I teach classical and pop piano. " * 4,
                                 "years_experience": 8, "languages": "English, Spanish",
                                 "booking_mode": "instant"})  # fmt: skip
    _upload(client, "me.jpg", _jpeg_with_exif())
    cheap = client.post(url("skills"), {"service": _service_id("piano"), "age_groups": ["kids"], "levels": ["beginner"],
                                        "location_types": ["student_place"], "price_30": "35"})  # fmt: skip
    assert cheap.status_code == 422 and "must cost at least $40 ($80 per hour)" in cheap.content.decode()
    client.post(url("skills"), {"service": _service_id("piano"), "age_groups": ["kids", "adults"],
                                "levels": ["beginner"], "location_types": ["student_place"], "price_30": "45",
                                "price_60": "90"})  # fmt: skip
    bad_area = client.post(url("area"), {"base_address": "12 Nowhere Road", "travel_radius_km": "3"})
    assert bad_area.status_code == 422 and "find that address. Try a street address" in bad_area.content.decode()
    client.post(url("area"), {"neighborhoods": ["park-slope", "windsor-terrace"]})
    client.post(url("verification"))
    profile = InstructorProfile.objects.get()
    missing = __import__("catalog.onboarding").onboarding.missing_for_go_live(profile)
    assert [c.key for c in missing] == ["verification", "payouts"]
    # Payouts: Stripe Connect onboarding on the local Stripe server, then back to the step.
    to_stripe = client.post(reverse("payments_connect_start"))
    assert to_stripe.status_code == 302 and to_stripe["Location"].startswith(local_stripe.url)
    local_stripe.account_action(profile.connect_account.account_id, "enable")
    back = client.get(reverse("payments_connect_return", args=[profile.connect_account.account_id]), follow=True)
    assert "Payouts are set up." in back.content.decode()
    pending = VerificationRequest.objects.get()
    assert pending.status == "pending"
    reviewer = staff()
    verification_decide(verification=pending, approve=False, reason="Photo ID unreadable", decided_by=reviewer,
                        now=timezone.now())  # fmt: skip
    assert "Reason: Photo ID unreadable" in client.get(url("verification")).content.decode()
    client.post(url("verification"))
    verification_decide(verification=VerificationRequest.objects.get(status="pending"), approve=True,
                        decided_by=reviewer, now=timezone.now())  # fmt: skip
    assert Notification.objects.filter(user=profile.user, kind="verification").count() == 2
    response = client.post(url("go-live"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == "live" and profile.teaches_kids
    assert (
        client.get(reverse("category_detail", args=["kids"]) + "?service=piano").context["page_obj"].paginator.count
        == 1
    )  # noqa: E501


def test_go_live_needs_verification_even_with_everything_else(nyc, local_stripe):
    from catalog.onboarding import missing_for_go_live
    from catalog.services import StatusChangeRefused
    from catalog.tests.factories import go_live_ready

    profile = go_live_ready(local_stripe, verified=False)
    assert [check.key for check in missing_for_go_live(profile)] == ["verification"]
    with pytest.raises(StatusChangeRefused) as refused:
        instructor_go_live(instructor=profile, now=timezone.now())
    assert refused.value.messages == ["Still needed: identity verification approved."]
    profile.refresh_from_db()
    assert (profile.status, profile.went_live_at) == ("onboarding", None)
    assert VerificationRequest.objects.get(instructor=profile).status == "pending"


def _service_id(slug):
    from catalog.models import Service

    return Service.objects.get(slug=slug).pk


def test_an_instructor_cannot_make_themselves_a_founding_instructor(instructor_client):
    response = instructor_client.post(
        reverse("onboarding_step", args=["profile"]),
        {"headline": "Patient piano teacher", "bio": "I teach classical and pop piano. " * 4,
         "years_experience": 8, "languages": "English", "booking_mode": "instant",
         "is_founding": "on", "status": "live"},
    )  # fmt: skip
    assert response.status_code == 302
    profile = InstructorProfile.objects.get()
    assert profile.headline == "Patient piano teacher"
    assert (profile.is_founding, profile.status) == (False, "onboarding")


def _webp(size=(500, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 160, 90)).save(out, format="WEBP")
    return out.getvalue()


def test_a_webp_photo_is_accepted_and_reencoded(instructor_client):
    content = _webp()
    response = _upload(instructor_client, "me.webp", content, content_type="image/webp")
    assert response.status_code == 302
    profile = InstructorProfile.objects.get()
    with Image.open(profile.photo.path) as large, Image.open(profile.photo_thumb.path) as thumb:
        assert (large.format, large.size, thumb.size) == ("JPEG", (600, 600), (160, 160))
    assert profile.photo_original.name.endswith("-original.webp")
    assert Path(profile.photo_original.path).read_bytes() == content
    assert len(_stored_files()) == 3


def test_replacing_the_photo_removes_the_old_files(instructor_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(instructor_client, "first.jpg", _jpeg_with_exif())
    first = _stored_files()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(instructor_client, "second.png", _png((700, 700)), content_type="image/png")
    assert response.status_code == 302
    profile = InstructorProfile.objects.get()
    now_stored = _stored_files()
    assert len(now_stored) == 3 and set(now_stored).isdisjoint(first)
    assert {Path(profile.photo.path), Path(profile.photo_thumb.path), Path(profile.photo_original.path)} == {
        Path(name) for name in now_stored
    }


def test_a_photo_save_that_fails_leaves_no_files(instructor_client):
    from catalog.services import instructor_set_photo
    from catalog.tests.factories import photo_upload

    profile = instructor_profile_start(user=instructor_user())
    InstructorProfile.objects.filter(pk=profile.pk).delete()  # the account went away meanwhile
    with pytest.raises(InstructorProfile.DoesNotExist):
        instructor_set_photo(instructor=profile, upload=photo_upload())
    assert _stored_files() == []


def test_a_photo_another_profile_uses_is_not_deleted(django_capture_on_commit_callbacks):
    from catalog.services import instructor_set_photo
    from catalog.tests.factories import photo_upload

    first = instructor_profile_start(user=instructor_user())
    with django_capture_on_commit_callbacks(execute=True):
        instructor_set_photo(instructor=first, upload=photo_upload())
    first.refresh_from_db()
    shared = {"photo": first.photo.name, "photo_thumb": first.photo_thumb.name}
    other = instructor_profile_start(user=instructor_user())
    InstructorProfile.objects.filter(pk=other.pk).update(**shared)  # as the demo data shares portraits
    with django_capture_on_commit_callbacks(execute=True):
        instructor_set_photo(instructor=first, upload=photo_upload(color=(200, 10, 10)))
    kept = [Path(settings.MEDIA_ROOT) / name for name in shared.values()]
    assert all(path.exists() for path in kept)
    assert len(_stored_files()) == 2 + 3  # the shared sizes, and first's new photo (its old original went)
