"""Term reports (学期报告): 帮扶效果分析报告, 学期学业帮扶总结报告 and 学生学业预警处理结果汇总表,
as .docx with charts, from the term's list, the previous term's and the archive's records."""

from yujing.reports.term import TermSummary, term_summary, write_term_reports

__all__ = ["TermSummary", "term_summary", "write_term_reports"]
