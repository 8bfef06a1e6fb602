"""factory-boy factories shared by every test package."""

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model

from provisioning.models import Filespace, StorageOption
from tenants.models import Customer, Membership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )
            self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory)
    role = Membership.Role.OWNER


def storage_option(
    provider: str = "Wasabi",
    region: str = "eu-central-1",
    owner: str = "lucidlink",
    subscription_type: str = "basic",
) -> StorageOption:
    """A catalog entry: the seeded one, or made again after a transactional test flushed it."""
    option, _ = StorageOption.objects.get_or_create(
        provider=provider,
        region=region,
        owner=owner,
        subscription_type=subscription_type,
        defaults={"label": f"{provider} {region}"},
    )
    return option


class FilespaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Filespace

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"fs-{n}")
    domain_name = factory.LazyFunction(lambda: settings.LUCIDLINK_DOMAIN)
    storage_option = factory.LazyFunction(storage_option)
