"""Population files in and out of the database: importing residents and syncing
KTP-el statuses from the files offices produce (CSV, XLSX).

- :mod:`.vocabulary`: column and value names in Indonesian and English;
- :mod:`.reading`: CSV/XLSX sniffing, encodings, delimiters, header mapping;
- :mod:`.rows`: one row -> values or messages, with the domain rules;
- :mod:`.work`: the scratch spool and the report (SQLite files);
- :mod:`.bulk`: executemany at the driver's speed;
- :mod:`.importer`: the resident import (check everything, write in one transaction);
- :mod:`.statuses`: the status sync through the pipeline's rules;
- :mod:`.reporting`: the report in words (CLI, screen, CSV);
- :mod:`.jobs`: running an import in the background for the upload screen;
- :mod:`.commands`: ``flask ektp import-residents`` / ``import-statuses``;
- :mod:`.sample`: generated files for benchmarks and tests.

Nothing but :mod:`.jobs` and :mod:`.commands` touches Flask.
"""
