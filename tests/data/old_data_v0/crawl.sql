BEGIN TRANSACTION;
CREATE TABLE frontier (
    run_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,            -- list | report | attachment | maybe_attachment (type unknown until fetched)
    profile TEXT NOT NULL,
    referer TEXT,
    link_text TEXT,
    list_root TEXT,                -- the start URL a list page descends from
    seq INTEGER NOT NULL,          -- discovery order (breadth-first)
    state TEXT NOT NULL DEFAULT 'queued',  -- queued | done | failed | blocked | refused | disallowed | skipped
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,    -- epoch seconds: retry backoff / Retry-After
    error TEXT,
    PRIMARY KEY (run_id, url)
);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
INSERT INTO "runs" VALUES(1,'fixture','2026-12-03T09:15:16+00:00','2026-12-03T09:15:16+00:00');
CREATE TABLE urls (
    url TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- report | attachment
    profile TEXT,
    referer TEXT,
    link_text TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT,
    last_changed TEXT,
    gone_at TEXT,
    status INTEGER,
    error TEXT,
    etag TEXT,
    last_modified TEXT,
    sha256 TEXT,
    content_type TEXT,
    headers TEXT,                  -- JSON of the response headers of the stored bytes
    fetched_at TEXT,
    handed_sha256 TEXT             -- sha256 last given to the pipeline (mark_ingested)
);
INSERT INTO "urls" VALUES('https://www.fixture.gov.cn/art/2024/3/1/art_1_1.html','report','fixture','https://www.fixture.gov.cn/col/1.html','news_meeting.html','2026-12-03T09:15:16+00:00','2026-12-03T09:15:16+00:00','2026-12-03T09:15:16+00:00',NULL,200,NULL,NULL,NULL,'2a8fea32e4d694d86973e65fe007fb6197698dc5937b4223941e1b0ddea31f95','text/html; charset=utf-8','{"Content-Type": "text/html; charset=utf-8"}','2026-12-03T09:15:16+00:00','2a8fea32e4d694d86973e65fe007fb6197698dc5937b4223941e1b0ddea31f95');
INSERT INTO "urls" VALUES('https://www.fixture.gov.cn/art/2024/3/2/art_1_2.html','report','fixture','https://www.fixture.gov.cn/col/1.html','govcn_repost.html','2026-12-03T09:15:16+00:00','2026-12-03T09:15:16+00:00','2026-12-03T09:15:16+00:00',NULL,200,NULL,NULL,NULL,'b616463b43c150a8c17599f56a4ea120cf774951fc0a0b0ddb407bf59a72a8bf','text/html; charset=utf-8','{"Content-Type": "text/html; charset=utf-8"}','2026-12-03T09:15:16+00:00','b616463b43c150a8c17599f56a4ea120cf774951fc0a0b0ddb407bf59a72a8bf');
CREATE INDEX frontier_queue ON frontier(run_id, state, seq);
CREATE INDEX urls_sha256 ON urls(sha256);
CREATE INDEX urls_profile ON urls(profile);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('runs',1);
COMMIT;
