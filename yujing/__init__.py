"""yujing 预警: the paperwork of Chinese universities' academic-warning and support system.

Architecture (one subpackage per stage of the pipeline, in order)::

    institutions/<pack>/  an institution's rules, forms and templates (data only)
    imports/              1 read the 教务 exports into records, by export profile
    engine/               2 courses → figures → levels (pure, no I/O)
    warnlist/             3 the term's warning list, its changes, objections, .xlsx/.csv
    generator/            4 numbered print batches of the annexed forms
    archive/              5 scan intake into 一生一档 folders, attachments, records
    checker/              6 the completeness audit
    reports/              7 the term reports
    policies/, forms/     the pack's policy and forms catalogue as values
    registry              the workspace's SQLite registry (all SQL)
    stage                 what a stage may read of the workspace (WorkspaceView)
    workspace             the front door every interface calls
    cli/, web/            the thin ``yujing`` command and the web console
"""

__version__ = "0.1.0"
