"""The metrics a criterion may compare (指标): the vocabulary of the policy files.

Only names, titles and the list parameter each takes: what a ``policy.toml`` may say, checked
by :func:`yujing.policies.parse_policy`. How a metric is measured over a student's figures and
stated in a 预警原因 is the engine's (:data:`yujing.engine.figures.METRICS`), which gives every
metric named here its measure. The meaning of each metric is written in
``docs/policy-semantics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    """A quantity a criterion compares (指标), as a policy file names it."""

    name: str
    title: str
    params: str = ""
    """Name of the list parameter the metric takes (``remarks`` / ``flags``), if any."""


METRIC_SPECS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec("term_failed_credit_percent", "本学期未通过学分占本学期所选学分的百分比"),
        MetricSpec("term_failed_credits", "本学期未通过学分"),
        MetricSpec("cumulative_failed_credits", "累计未通过学分"),
        MetricSpec("earned_credits", "累计取得学分"),
        MetricSpec("gpa", "平均学分绩点"),
        MetricSpec("term_gpa", "本学期学分绩点"),
        MetricSpec("term_gpa_drop", "学分绩点较上学期下降"),
        MetricSpec("failed_courses", "累计不及格课程门数"),
        MetricSpec("failed_after_makeup_courses", "补考后仍不及格课程门数"),
        MetricSpec("failed_first_exam_courses_in_term", "本学期正考不及格课程门数"),
        MetricSpec("credit_shortfall", "累计取得学分少于培养方案规定数"),
        MetricSpec(
            "remarks_in_term", "本学期带指定成绩备注（如旷考）的记录数", params="remarks"
        ),
        MetricSpec("flags_in_term", "本学期的指定标记（如旷课、纪律处分）数", params="flags"),
        MetricSpec("imported_level", "教务系统导出的预警等级"),
    )
}
