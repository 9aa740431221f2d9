"""Checks an attest bundle with libraries attest did not write: securesystemslib's DSSE
verification and in-toto-attestation's Statement v1 (and Test Results) parsing.

usage: intoto_check.py BUNDLE PUBLIC_KEY_PEM KEYID
BUNDLE is the JSON bundle (its "records") or the JSON Lines file (one envelope per line).
Prints one JSON object of counts; exits 1 at the first failure, saying what failed.
"""
import base64
import json
import sys

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from google.protobuf import json_format
from in_toto_attestation.predicates.test_result.v0 import test_result_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

TEST_RESULT = "https://in-toto.io/attestation/test-result/v0.1"


def fail(message):
    print(json.dumps({"error": message}))
    sys.exit(1)


def envelopes(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)["records"]


def main():
    bundle, pem, keyid = sys.argv[1:4]
    public = load_pem_public_key(open(pem, "rb").read())
    key = SSlibKey.from_crypto(public, keyid=keyid, scheme="ed25519")
    default_keyid = SSlibKey.from_crypto(public, scheme="ed25519").keyid
    counts = {"envelopes": 0, "verified": 0, "statements": 0, "testResults": 0, "tamperedRejected": 0,
              "defaultKeyidIsAttests": default_keyid == keyid, "predicateTypes": [], "subjectDigests": []}
    for index, record in enumerate(envelopes(bundle)):
        counts["envelopes"] += 1
        envelope = Envelope.from_dict(json.loads(json.dumps(record)))
        try:
            envelope.verify([key], 1)
        except VerificationError as error:
            fail(f"record {index}: securesystemslib did not verify the envelope: {error}")
        counts["verified"] += 1

        proto = json_format.Parse(envelope.payload, statement_pb2.Statement())
        try:
            Statement.copy_from_pb(proto).validate()
        except ValueError as error:
            fail(f"record {index}: not a valid in-toto Statement v1: {error}")
        counts["statements"] += 1
        counts["predicateTypes"].append(proto.predicate_type)
        counts["subjectDigests"].extend(sorted(proto.subject[0].digest.keys()))

        if proto.predicate_type == TEST_RESULT:
            predicate = json.loads(envelope.payload)["predicate"]
            # The chain member is attest's extra field: the parsing rules say to ignore unknown fields.
            result = json_format.Parse(json.dumps(predicate), test_result_pb2.TestResult(), ignore_unknown_fields=True)
            if result.result not in ("PASSED", "FAILED"):
                fail(f"record {index}: Test Results result is {result.result!r}, not PASSED or FAILED")
            for descriptor in result.configuration:
                ResourceDescriptor.copy_from_pb(descriptor).validate()
            counts["testResults"] += 1
            counts["testResult"] = {"result": result.result, "passedTests": list(result.passed_tests),
                                    "warnedTests": list(result.warned_tests), "failedTests": list(result.failed_tests),
                                    "configuration": len(result.configuration)}

        # One payload byte changed: the signature must no longer verify.
        tampered = json.loads(json.dumps(record))
        payload = bytearray(base64.b64decode(tampered["payload"]))
        payload[len(payload) // 2] ^= 0x01
        tampered["payload"] = base64.b64encode(bytes(payload)).decode()
        try:
            Envelope.from_dict(tampered).verify([key], 1)
            fail(f"record {index}: a changed payload byte still verified")
        except VerificationError:
            counts["tamperedRejected"] += 1
    print(json.dumps(counts))


main()
