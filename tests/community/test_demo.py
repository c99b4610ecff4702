from community import demo
from community.models import Decision, Follower, Meeting, Partner
from smartzone import demo as core_demo


def test_the_demo_seeds_the_network_and_followers_once(db):
    core_demo.seed()
    lines = demo.seed()
    assert any(line.startswith("partner ") for line in lines)
    kinds = set(Partner.objects.values_list("kind", flat=True))
    assert {"gold_shop", "market_association", "bank", "school", "local_government"} <= kinds
    assert Partner.objects.filter(lat__isnull=True).count() == 0  # every partner is on the map
    assert Meeting.objects.count() == 1
    assert Decision.objects.filter(done=False).count() == 3
    assert Follower.objects.filter(left_at__isnull=True).count() == 50
    assert Follower.objects.filter(zone__isnull=False).count() == 40
    assert Follower.objects.filter(partner__isnull=False).exists()
    assert demo.seed() == []  # a second run writes nothing
