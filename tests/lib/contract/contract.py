#!/usr/bin/python3
"""contract.py - hold MQTT messages to docs/asyncapi.yaml, the interface v1 contract.

The integration tests' subscribers (the mosquitto_sub beside this file) check every
message they receive with Contract.check(): the topic must be one of the document's
channels, the payload must validate against exactly one of that channel's message
schemas (a real JSON Schema validator, Debian's python3-jsonschema), and the QoS and
retain flag must be what the channel's operation binding says.

    /usr/bin/python3 contract.py --check-doc docs/asyncapi.yaml

checks the document itself: every schema against the JSON Schema meta-schema (draft 7,
AsyncAPI's schema format), every $ref resolves, every example validates (make lint).
"""
import json
import re
import sys

import jsonschema
import yaml

SCHEMA_DIALECT = jsonschema.Draft7Validator


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def deref(doc, node):
    """Follow a local $ref ('#/components/messages/x') to its target."""
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def address_regex(address):
    """riskgw/v1/{enterprise}/{gateway}/event/{device}/{point} as an anchored regex."""
    parts = re.split(r"(\{[^}]+\})", address)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


class Channel:
    def __init__(self, name, address, messages, qos, retain):
        self.name, self.address, self.regex = name, address, address_regex(address)
        self.messages = messages        # [(message name, validator)]
        self.qos, self.retain = qos, retain


class Contract:
    def __init__(self, path):
        self.doc = load(path)
        resolver = jsonschema.RefResolver.from_schema(self.doc)
        bindings = {}
        for op in self.doc.get("operations", {}).values():
            channel = deref(self.doc, op["channel"])
            bindings[channel["address"]] = op.get("bindings", {}).get("mqtt", {})
        self.channels = []
        for name, ch in self.doc["channels"].items():
            b = bindings.get(ch["address"], {})
            msgs = []
            for mname, m in ch.get("messages", {}).items():
                payload = deref(self.doc, m)["payload"]
                msgs.append((mname, SCHEMA_DIALECT(payload, resolver=resolver)))
            self.channels.append(Channel(name, ch["address"], msgs, b.get("qos", 0), b.get("retain", False)))

    def channel_of(self, topic):
        found = [c for c in self.channels if c.regex.match(topic)]
        return found[0] if len(found) == 1 else None

    def check(self, topic, payload, qos=None, retained=None, sub_qos=None):
        """Problems with one received message, as sentences ([] when it keeps the contract)."""
        ch = self.channel_of(topic)
        if not ch:
            return ["topic %s is not a channel of the contract" % topic]
        problems = []
        if retained and not ch.retain:
            problems.append("arrived retained, but channel %s is not retained" % ch.name)
        if qos is not None and sub_qos is not None and qos != min(sub_qos, ch.qos):
            problems.append("arrived with QoS %d on a QoS %d subscription; channel %s is QoS %d"
                            % (qos, sub_qos, ch.name, ch.qos))
        try:
            message = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as e:
            return problems + ["payload is not JSON (%s): %.200r" % (e, payload)]
        errors = {}
        for mname, validator in ch.messages:
            errs = sorted(validator.iter_errors(message), key=lambda e: len(list(e.absolute_path)))
            if not errs:
                errors = None
                break
            errors[mname] = errs
        if errors:
            for mname, errs in errors.items():
                best = jsonschema.exceptions.best_match(errs)
                where = "/".join(str(p) for p in best.absolute_path) or "(the message)"
                problems.append("does not match %s at %s: %s" % (mname, where, best.message))
        return problems


def check_doc(path):
    """Every schema against the meta-schema, every example against its message. Problems."""
    contract = Contract(path)
    doc, problems = contract.doc, []
    for name, schema in doc["components"]["schemas"].items():
        try:
            SCHEMA_DIALECT.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            problems.append("components.schemas.%s is not a valid JSON Schema: %s" % (name, e.message))
    resolver = jsonschema.RefResolver.from_schema(doc)
    for name, m in doc["components"]["messages"].items():
        validator = SCHEMA_DIALECT(deref(doc, m["payload"]), resolver=resolver)
        for i, ex in enumerate(m.get("examples", [])):
            for err in validator.iter_errors(ex["payload"]):
                problems.append("components.messages.%s.examples[%d]: %s" % (name, i, err.message))
    for ch in contract.channels:
        if not ch.messages:
            problems.append("channel %s has no message" % ch.name)
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--check-doc":
        sys.exit("usage: contract.py --check-doc docs/asyncapi.yaml")
    found = check_doc(sys.argv[2])
    for p in found:
        print("%s: %s" % (sys.argv[2], p), file=sys.stderr)
    if not found:
        print("%s: every schema is valid JSON Schema (draft 7) and every example matches" % sys.argv[2])
    sys.exit(1 if found else 0)
