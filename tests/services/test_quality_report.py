"""The team report and the likely-error list, computed from real queue activity."""

from __future__ import annotations

import pytest

from labelwright.services import gold, predictions, queue
from labelwright.services.errors import Invalid
from labelwright.services.quality_checks import find_problems, rule_settings
from labelwright.services.quality_report import project_report
from tests.services.test_consensus import _label, _team
from tests.services.test_datasets import box


def test_report_counts_work_time_rejections_agreement_and_gold(ctx, monkeypatch):
    team = _team(ctx, review_share=1.0)
    # Both annotators label the one overlap item; they agree.
    lease1 = team.next("ann1")
    queue.heartbeat(ctx, team.users["ann1"], team.project_id, lease1.assignment_id, 1800.0)
    from labelwright.services import annotations

    body = {"objects": [box("a", "car", 2, 2)]}
    annotations.save(
        ctx, team.users["ann1"], team.project_id, item_id=lease1.item_id, body=body, expected=0
    )
    team.submit("ann1", lease1)
    _label(team, "ann2", [box("b", "car", 3, 2)])
    review = team.next("rev", "review")
    queue.review(ctx, team.users["rev"], team.project_id, review.assignment_id, "reject", "loose")
    report = project_report(ctx, team.users["boss"], team.project_id).as_dict()
    people = {p["username"]: p for p in report["people"]}
    assert people["ann1"]["items"] == 1 and people["ann1"]["objects"] == 1
    assert people["ann1"]["active_hours"] == pytest.approx(0.5)
    assert people["ann1"]["items_per_hour"] == pytest.approx(2.0)
    assert people["ann2"]["rejection_rate"] == 1.0 and people["ann1"]["reviewed"] == 1
    assert report["agreement_items"] == 1 and report["agreement"] > 0.7
    assert people["ann1"]["agreement"] == pytest.approx(report["agreement"])
    assert sum(d["rejected"] for d in report["days"]) == 1
    assert sum(d["submitted"] for d in report["days"]) == 2
    # Gold: the item's answer is a car at (2, 2); ann1 matches it, ann2 is one pixel off.
    gold.set_gold(ctx, team.users["boss"], team.project_id, team.item_ids[0], body=body)
    people = {
        p["username"]: p
        for p in project_report(ctx, team.users["boss"], team.project_id).as_dict()["people"]
    }
    assert people["ann1"]["gold_f1"] == 1.0 and people["ann1"]["gold_mean_iou"] == 1.0
    assert people["ann2"]["gold_items"] == 1 and people["ann2"]["gold_mean_iou"] < 1.0


def test_findings_rank_rule_breaks_and_model_disagreements(ctx):
    team = _team(ctx, checks={"min_box_size": 5, "max_objects": 2})
    tiny = box("tiny", "car", 40, 40) | {
        "shape": {"kind": "bbox", "x": 40, "y": 40, "w": 3, "h": 3}
    }
    _label(team, "ann1", [box("a", "car", 2, 2), tiny, box("c", "person", 60, 50)])
    boss = team.users["boss"]
    model_body = {
        "objects": [
            box("p1", "person", 2, 2),  # the model calls object a a person
            box("p2", "car", 80, 10),  # and sees a car nobody labeled
        ]
    }
    predictions.add_prediction(
        ctx, boss, team.project_id, team.item_ids[0], model="det", run="1", body=model_body
    )
    found = find_problems(ctx, boss, team.project_id)
    checks = {(f.check, f.object_id) for f in found}
    assert ("min_box_size", "tiny") in checks and ("min_box_size", "a") not in checks
    assert any(f.check == "too_many_objects" for f in found)
    assert ("model:wrong_class", "a") in checks and ("model:missed", None) in checks
    assert all(f.file_name for f in found)
    assert [SEV[f.severity] for f in found] == sorted(SEV[f.severity] for f in found)


SEV = {"error": 0, "warning": 1, "info": 2}


def test_check_settings_are_validated():
    assert rule_settings({"checks": {"min_box_size": 3}}).min_box_size == 3
    with pytest.raises(Invalid, match="unknown check settings: colour"):
        rule_settings({"checks": {"colour": "red"}})
