"""Media storage is chosen by configuration: the local filesystem by default, an S3-compatible
bucket (django-storages) when S3_BUCKET is set. Settings are evaluated in a fresh process with
the environment given; nothing here talks to the network (URLs are signed locally)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
S3_VARIABLES = ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")

DESCRIBE_STORAGES = """
import json
import django

django.setup()
from catalog.models import InstructorProfile

fields = {name: InstructorProfile._meta.get_field(name).storage for name in ("photo", "photo_original")}
photo, original = fields["photo"], fields["photo_original"]
print(json.dumps({
    "photo_backend": f"{photo.__class__.__module__}.{photo.__class__.__qualname__}",
    "original_backend": f"{original.__class__.__module__}.{original.__class__.__qualname__}",
    "bucket": getattr(photo, "bucket_name", None),
    "endpoint": getattr(photo, "endpoint_url", None),
    "original_location": getattr(original, "location", None),
    "original_acl": getattr(original, "default_acl", None),
    "photo_url": photo.url("instructors/photos/ada.webp"),
}))
"""


def describe_storages(**s3_environment) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in S3_VARIABLES}
    env.update(s3_environment, DJANGO_SETTINGS_MODULE="instainstru.settings")
    result = subprocess.run(
        [sys.executable, "-c", DESCRIBE_STORAGES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_media_is_stored_on_the_local_filesystem_by_default():
    described = describe_storages()
    assert described["photo_backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert described["original_backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert described["original_location"].endswith("private-media")
    assert described["photo_url"] == "/media/instructors/photos/ada.webp"


def test_configuring_an_s3_bucket_switches_public_and_private_media_to_it():
    described = describe_storages(
        S3_BUCKET="instainstru-media",
        S3_ENDPOINT_URL="https://account.r2.cloudflarestorage.com",
        S3_ACCESS_KEY_ID="test-access-key",
        S3_SECRET_ACCESS_KEY="test-secret-key",  # noqa: S106 - a made-up key; nothing is sent
    )
    assert described["photo_backend"] == "storages.backends.s3.S3Storage"
    assert described["original_backend"] == "storages.backends.s3.S3Storage"
    assert described["bucket"] == "instainstru-media"
    assert described["endpoint"] == "https://account.r2.cloudflarestorage.com"
    # Originals stay private in the bucket: their own prefix, no public ACL.
    assert described["original_location"] == "private"
    assert described["original_acl"] == "private"
    # Photos are served from the bucket through signed URLs, not from MEDIA_URL.
    url = described["photo_url"]
    assert url.startswith("https://account.r2.cloudflarestorage.com/instainstru-media/instructors/photos/ada.webp?")
    assert "X-Amz-Signature=" in url or "Signature=" in url
