-- Recording a listing page inserts up to 1,000 import_items rows in one statement. The foreign key on
-- job_id checked each row on its own (a lookup and a row lock on the same import_jobs row, 1,000 times):
-- a third of the statement on PostgreSQL and on the embedded database. The insert now locks its job's
-- row once (FOR KEY SHARE, the lock the key took: a job cannot be deleted under it) and only while the
-- job is active (lib/imports/classify.ts recordListedFiles), and this trigger keeps ON DELETE CASCADE.
ALTER TABLE "import_items" DROP CONSTRAINT "import_items_job_id_fkey";

CREATE FUNCTION "import_jobs_delete_items"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "import_items" WHERE "job_id" = OLD."id";
  RETURN OLD;
END
$$;

CREATE TRIGGER "import_jobs_delete_items" AFTER DELETE ON "import_jobs"
  FOR EACH ROW EXECUTE FUNCTION "import_jobs_delete_items"();
