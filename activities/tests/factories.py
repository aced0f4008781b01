import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from activities.models import Activity, ActivityType


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    user = factory.SubFactory(UserFactory)
    action = ActivityType.LOGIN
    created_at = factory.LazyFunction(timezone.now)
    ip = "192.0.2.1"
    details = factory.LazyFunction(dict)
