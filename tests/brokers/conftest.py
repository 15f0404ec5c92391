"""Plain MQTT clients for the broker tests: `connect(broker, login, password,
client_id, clean=True)` -> Client, connected or refused (`.refusal`), with
its frames in `.inbox` and its SUBACK codes from `.subscribe_codes()`."""
import queue
import threading

import paho.mqtt.client as mqtt

WAIT = 15  # a guard against hanging, not an assertion on speed


class Client:
    def __init__(self, broker, login, password, client_id, clean=True, port=None):
        self.inbox = queue.Queue()
        self.disconnects = []
        self._connack = queue.Queue()
        self._subacks = queue.Queue()
        self.paho = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                clean_session=clean, protocol=mqtt.MQTTv311)
        if login:
            self.paho.username_pw_set(login, password)
        self.paho.on_connect = lambda c, u, f, rc, p: self._connack.put((rc, f.session_present))
        self.paho.on_message = lambda c, u, m: self.inbox.put((m.topic, m.payload))
        self.paho.on_subscribe = lambda c, u, mid, codes, p: self._subacks.put([rc.value for rc in codes])
        self.paho.on_disconnect = lambda c, u, f, rc, p: self.disconnects.append(rc)
        self.paho.connect(broker.host, port or broker.port)
        self.paho.loop_start()
        rc, self.session_present = self._connack.get(timeout=WAIT)
        self.refusal = str(rc) if rc.is_failure else None
        if self.refusal:
            self.close()

    def subscribe(self, topic):
        """The SUBACK code: 1 (granted QoS 1) or 128 (refused)."""
        self.paho.subscribe(topic, qos=1)
        return self._subacks.get(timeout=WAIT)[0]

    def publish(self, topic, payload):
        self.paho.publish(topic, payload, qos=1).wait_for_publish(WAIT)

    def next_frame(self):
        return self.inbox.get(timeout=WAIT)

    def close(self):
        self.paho.disconnect()
        self.paho.loop_stop()


def connect(broker, login, password, client_id, clean=True, port=None):
    return Client(broker, login, password, client_id, clean, port)
