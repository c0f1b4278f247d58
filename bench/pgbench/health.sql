-- GET /health/ready
SELECT to_regclass('schema_migrations') IS NOT NULL AS present;
SELECT max(version) AS v FROM schema_migrations;
