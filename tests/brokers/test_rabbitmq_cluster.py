"""NES unchanged on a two-node RabbitMQ cluster (deploy/rabbitmq/, the MQTT
plugin with quorum queues): bob sends to alice while she is offline, the
node holding her session's queue is stopped and started again, and alice,
resuming through the OTHER node, gets every frame whose sending was
acknowledged, in order and verified.

RabbitMQ 3.10's MQTT plugin tracks client ids in a Raft cluster of its own
(mqtt_node); with two nodes, a node that led it and is stopped was seen not
to finish starting again (its MQTT listener never opens). The session is
therefore placed on the other node, and docs/DEPLOY.md says so."""

FRAMES = ["offline %d" % i for i in range(4)] + ["x" * 2800]  # the last one makes a ~4.3 KB frame


def test_acknowledged_frames_survive_the_loss_of_the_node_holding_the_queue(
        rabbitmq_cluster, nes_factory, keyserver):
    cluster = rabbitmq_cluster
    tracker = cluster.client_id_leader()
    holder = next(n for n in cluster.nodes if n is not tracker)
    for name in ("alice", "bob"):
        cluster.add_login(name, name + "-pw")
    alice = nes_factory("alice").join(holder, keyserver)
    bob = nes_factory("bob").join(tracker, keyserver)
    alice.run("config", "MQTT_BROKER_ADDRESS", holder.address("alice", "alice-pw")).ok()
    bob.run("config", "MQTT_BROKER_ADDRESS", tracker.address("bob", "bob-pw")).ok()

    alice.listen().interrupt()  # her persistent session and its queue now exist, on `holder`
    queues = cluster.session_queues(tracker)
    print("session queues:", {q: n.name for q, n in queues.items()})
    assert list(queues.values()) == [holder]
    for text in FRAMES:
        assert "sent to alice" in bob.run("send", "alice", text).ok().stdout  # acknowledged

    holder.stop()
    print("stopped", holder.name, "holding", list(queues))
    holder.start().wait_ready()

    listener = alice.start("-b", tracker.address("alice", "alice-pw"), "listen")  # resumed through the other node
    got = [listener.wait_for("stdout", "bob: ").split(" bob: ", 1)[1] for _ in FRAMES]
    listener.interrupt()
    print("alice received %d of %d acknowledged frames" % (len(got), len(FRAMES)))
    assert got == FRAMES
