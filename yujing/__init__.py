"""yujing 预警: the paperwork of Chinese universities' academic-warning and support system.

Architecture (one subpackage or module per stage)::

    imports/            read .xlsx/.csv exports into records (model), by export profile
    policies/           each institution's rules as a TOML file
    engine/             courses → figures → levels (pure, no I/O)
    warnlist, lists     the term's warning list, its changes, its .xlsx/.csv
    registry            the workspace's SQLite registry (sqlite-utils)
    workspace           the library API the CLI calls
    forms/, templates/, generator/   annexed forms and numbered print batches
    archive/, checker/  scan intake into 一生一档 folders, completeness audit
    cli/                the thin ``yujing`` command
"""

__version__ = "0.1.0"
