"""The key server under concurrent registrations, on SQLite and on PostgreSQL:
200 distinct names at once all succeed or fail cleanly (and the store holds
exactly the ones answered 201); 50 registrations of one name at once give one
201, 49 409s, one activation mail, and the winner's keys."""
from collections import Counter

import pytest

from tests.reliability.registrations import body, burst, mailed_token, problems_with_answers, store_problems


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request, keyserver_factory):
    if request.param == "sqlite":
        return keyserver_factory()
    cluster = request.getfixturevalue("postgres_cluster")
    return keyserver_factory(DATABASE_URL=cluster.create_database())


def test_200_concurrent_registrations_of_distinct_names(server):
    requests = {"load%03d" % i: body("load%03d" % i) for i in range(200)}
    answers = burst(server.url, list(requests.values()), workers=200)
    statuses = Counter(status for status, _ in answers)
    created = [name for name, (status, _) in zip(requests, answers) if status == 201]
    users, problems = store_problems(server.config["DATABASE_URL"], created, requests)
    mailed = sum(mailed_token(server.smtp, requests[name]["email"]) is not None for name in created)
    print("\n%s: 200 concurrent registrations -> %s; stored %d, activation mails for %d"
          % (server.accounts.store.backend, dict(statuses), len(users), mailed))
    assert not problems_with_answers(answers)
    assert set(users) == set(created), "stored names differ from the names answered 201"
    assert not problems, problems[:10]
    assert mailed == len(created)
    assert statuses[201] >= 1


def test_50_concurrent_registrations_of_one_name_give_one_201(server):
    requests = [body("contested", email="claimant%02d@example.org" % i) for i in range(50)]
    answers = burst(server.url, requests, workers=50)
    statuses = Counter(status for status, _ in answers)
    winners = [request for request, (status, _) in zip(requests, answers) if status == 201]
    mails = sum(mailed_token(server.smtp, r["email"]) is not None for r in requests)
    print("\n%s: 50 concurrent registrations of 'contested' -> %s; activation mails sent: %d"
          % (server.accounts.store.backend, dict(statuses), mails))
    assert statuses == Counter({201: 1, 409: 49}), statuses
    assert all(reply["status"] == 409 and reply["error"] for status, reply in answers if status == 409)
    users, problems = store_problems(server.config["DATABASE_URL"], ["contested"], {"contested": winners[0]})
    assert list(users) == ["contested"] and not problems, problems
    assert mails == 1
    status, _ = server.activate(winners[0]["email"])
    assert status == 200
    status, answer = server.lookup("contested")
    assert status == 200 and answer["response"]["public_key_sign"] == winners[0]["public_key_sign"]
