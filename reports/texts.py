# ruff: noqa: RUF001  (Chinese punctuation is the point of the zh-CN texts)
"""The report's words in the tenant's language (zh-CN, en): for the customer, so plain words,
no internal states."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from push.alert_texts import normalize_locale


@dataclass(frozen=True, slots=True)
class Texts:
    title: str
    generated: str  # "{time}", "{zone}"
    page: str  # "{page}", "{pages}"
    work_order: str
    customer: str
    site: str
    asset: str
    engineer: str
    symptom: str
    root_cause: str
    steps: str
    parts: str
    part_name: str
    part_quantity: str
    part_note: str
    prevention: str
    photos: str
    timeline: str
    signature: str
    not_recorded: str  # "{field}": what staff did not fill
    none: str  # an empty value in the overview
    no_steps: str
    no_parts: str
    no_photos: str
    more_photos: str  # "{count}" photos not shown
    no_signature: str
    milestones: Mapping[str, str]  # "{who}" where the milestone names a person


_ZH = Texts(
    title="维修完成报告",
    generated="生成于 {time}（时区：{zone}）",
    page="第 {page} / {pages} 页",
    work_order="工单编号",
    customer="客户",
    site="地点",
    asset="设备",
    engineer="处理人",
    symptom="故障现象",
    root_cause="根本原因",
    steps="处理过程",
    parts="使用配件",
    part_name="配件",
    part_quantity="数量",
    part_note="备注",
    prevention="预防建议",
    photos="现场照片",
    timeline="处理时间线",
    signature="客户签名",
    not_recorded="未填写：{field}",
    none="—",
    no_steps="未记录处理过程",
    no_parts="未使用配件",
    no_photos="无现场照片",
    more_photos="另有 {count} 张照片未列出",
    no_signature="未采集客户签名",
    milestones=MappingProxyType(
        {
            "created": "报修",
            "assigned": "派工给 {who}",
            "accepted": "接单",
            "arrived": "到达现场",
            "resolved": "维修完成",
            "reopened": "重新处理",
            "verified": "验收通过",
            "closed": "工单关闭",
        }
    ),
)
_EN = Texts(
    title="Repair report",
    generated="Generated {time} (times in {zone})",
    page="Page {page} of {pages}",
    work_order="Work order",
    customer="Customer",
    site="Site",
    asset="Equipment",
    engineer="Engineer",
    symptom="Symptom",
    root_cause="Root cause",
    steps="Steps taken",
    parts="Parts used",
    part_name="Part",
    part_quantity="Quantity",
    part_note="Note",
    prevention="Prevention advice",
    photos="Photos",
    timeline="Timeline",
    signature="Customer signature",
    not_recorded="Not recorded: {field}",
    none="—",
    no_steps="No steps were recorded",
    no_parts="No parts were used",
    no_photos="No photos",
    more_photos="{count} more photos not shown",
    no_signature="The customer's signature was not collected",
    milestones=MappingProxyType(
        {
            "created": "Reported",
            "assigned": "Assigned to {who}",
            "accepted": "Accepted",
            "arrived": "Arrived on site",
            "resolved": "Repair done",
            "reopened": "Reopened",
            "verified": "Verified",
            "closed": "Closed",
        }
    ),
)
TEXTS: Mapping[str, Texts] = MappingProxyType({"zh-CN": _ZH, "en": _EN})


def language(locale: str) -> str:
    """The report's language for a tenant's locale: Chinese unless it reads as English."""
    return normalize_locale(locale)


def texts_for(locale: str) -> Texts:
    return TEXTS[language(locale)]


def lower_first(label: str, locale: str) -> str:
    """A section name inside a sentence ("Not recorded: root cause")."""
    return label if language(locale) != "en" else label[:1].lower() + label[1:]
