"""Scoring of tests/anomaly/evaluate.py on hand-made labels and alerts (no binary needed)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402


def label(aid, kind, expected, ids, category="anomaly"):
    return {"attack_id": aid, "kind": kind, "category": category, "expected": expected, "event_ids": ids}


class ScoreTest(unittest.TestCase):
    def setUp(self):
        self.labels = [
            label("A1", "impossible_travel", ["aws.anomaly.impossible_travel"], ["e1", "e2"]),
            label("A2", "impossible_travel", ["aws.anomaly.impossible_travel"], ["e3"]),
            label("A3", "stop_logging", ["aws.defense_evasion.cloudtrail_tampering",
                                         "aws.defense_evasion.trail_logging_change"], ["e4"], "rule"),
        ]

    def test_recall_counts_alerts_of_the_expected_policy_listing_an_attack_event(self):
        alerts = [
            {"rule_id": "aws.anomaly.impossible_travel", "event_ids": ["x", "e2"]},
            # Right event, wrong policy: not a detection of A2, and not a false alert either.
            {"rule_id": "aws.anomaly.infrequent_country", "event_ids": ["e3"]},
            # Any expected rule detects a rule scenario.
            {"rule_id": "aws.defense_evasion.trail_logging_change", "event_ids": ["e4"]},
        ]
        by_kind, false_by_policy, anomaly_alerts, false_total, rate = evaluate.score(self.labels, alerts, 1000)
        row = by_kind[("anomaly", "aws.anomaly.impossible_travel", "impossible_travel")]
        self.assertEqual((row["instances"], row["detected"], row["missed"]), (2, 1, ["A2"]))
        self.assertEqual(by_kind[("rule", "aws.defense_evasion.cloudtrail_tampering", "stop_logging")]["detected"], 1)
        self.assertEqual(false_total, 0)
        self.assertEqual(anomaly_alerts, {"aws.anomaly.impossible_travel": 1, "aws.anomaly.infrequent_country": 1})

    def test_false_alerts_are_anomaly_alerts_without_labelled_events_per_1000_identity_days(self):
        alerts = [
            {"rule_id": "aws.anomaly.unusual_admin_activity", "event_ids": ["b1"]},
            {"rule_id": "aws.anomaly.unusual_admin_activity", "event_ids": ["b2", "e1"]},
            {"rule_id": "aws.anomaly.infrequent_country", "event_ids": []},
            # Rule alerts on the benign background are not counted.
            {"rule_id": "aws.persistence.access_key_created", "event_ids": ["b3"]},
        ]
        _, false_by_policy, _, false_total, rate = evaluate.score(self.labels, alerts, 4000)
        self.assertEqual(false_by_policy, {"aws.anomaly.unusual_admin_activity": 1,
                                           "aws.anomaly.infrequent_country": 1})
        self.assertEqual(false_total, 2)
        self.assertAlmostEqual(rate, 0.5)

    def test_anomaly_attacks_are_scored_against_their_first_expected_policy_only(self):
        labels = [label("A9", "impossible_travel",
                        ["aws.anomaly.impossible_travel", "aws.anomaly.infrequent_country"], ["e9"])]
        alerts = [{"rule_id": "aws.anomaly.infrequent_country", "event_ids": ["e9"]}]
        by_kind, *_ = evaluate.score(labels, alerts, 10)
        self.assertEqual(by_kind[("anomaly", "aws.anomaly.impossible_travel", "impossible_travel")]["detected"], 0)


if __name__ == "__main__":
    unittest.main()
