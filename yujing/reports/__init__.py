"""Term reports (学期报告): end-of-term summary reports (学期总结报告) from the registry of a
workspace, in three modules: :mod:`~yujing.reports.figures` (the numbers),
:mod:`~yujing.reports.charts` (the bar charts) and :mod:`~yujing.reports.documents` (the three
.docx writers).

The seeds ask for three documents at the end of a term:

* 帮扶效果分析报告 (lanzhou-life 五、帮扶效果分析 2): counts per level and class, the comparison
  with the previous term (新增/升级/降级/持续/解除), the conversion rate (转化率) per class, the
  students whose level fell or who were released, charts;
* 学期学业帮扶总结报告 (xinglin 第八条（二）4, beihai 第十二条): the term's work in figures
  (warned per level, notices issued, returns filed, interviews and parent contacts recorded), a
  table per class, charts, and headed sections the 学部 completes by hand (经验与问题、改进措施);
* 学生学业预警处理结果汇总表 (beihai 附件3): one row per warned student with the seed's header
  and signature lines, landscape.

:func:`~yujing.reports.figures.term_summary` computes the figures (frozen values, no files);
:func:`~yujing.reports.documents.write_term_reports` writes the three .docx files (A4, 宋体 body
and 黑体 headings set as East Asian fonts, charts drawn with Pillow). Library code never prints; progress goes through ``progress(done, total)``.

Definitions:

* the comparison is made between the saved lists (``lists`` in the registry) of the term and of
  the previous regular term (:meth:`Term.previous_regular`). A student on both lists at a lower
  level now is 降级, at a higher level 升级, at the same 持续; on the previous list only: 解除;
  on this list only: 新增. When the previous term has no saved list the report says so
  (对比：上学期无名单) and gives no conversion rate; the change counts are then those of the
  list's own 变化 column (computed at assessment against levels inferred from grades);
* 转化率 = (降级 + 解除) / students warned on the previous term's list, per class (the class of a
  student is the one on this term's list, else the one on the previous list);
* notices issued = active serials (编号) of the term; returns filed = distinct returned parts
  (student, form, part) scanned into the archive for the term (``archive_files``, kind scan);
* interviews and parent contacts = rows of the ``records`` table (kind ``interview`` and
  ``parent-contact``) of the term; 0 when that table does not exist yet.
"""


from yujing.reports.figures import TermSummary, term_summary

__all__ = ["TermSummary", "term_summary"]
