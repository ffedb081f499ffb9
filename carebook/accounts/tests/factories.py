import factory

from carebook.accounts.models import PatientProfile, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = User.Role.PATIENT
    state = User.State.ACTIVE
    password = factory.django.Password("pw-for-tests-1")


class PatientFactory(UserFactory):
    role = User.Role.PATIENT
    profile = factory.RelatedFactory(
        "carebook.accounts.tests.factories.PatientProfileFactory", "user"
    )


class PatientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientProfile

    user = factory.SubFactory(UserFactory)


class StaffFactory(UserFactory):
    role = User.Role.STAFF
