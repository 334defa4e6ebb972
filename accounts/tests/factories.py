import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.services import user_grant_role

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    timezone = "America/New_York"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            for role in extracted if extracted is not None else ("student",):
                user_grant_role(user=self, role=role)


def student(**kwargs) -> User:
    return UserFactory(roles=("student",), **kwargs)


def instructor_user(**kwargs) -> User:
    return UserFactory(roles=("student", "instructor"), **kwargs)


def staff(**kwargs) -> User:
    return UserFactory(roles=(), is_staff=True, is_superuser=True, **kwargs)
