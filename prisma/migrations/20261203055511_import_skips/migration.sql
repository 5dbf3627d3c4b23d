-- Files a scan's listing skipped get one narrow row with one index (the job's files in listing order)
-- instead of an import_items row and its four indexes: a new_only rescan of already imported files is
-- almost nothing but these rows, and recording a 1,000-file page took half the time (see
-- prisma/schema.prisma ImportSkip). Each page is recorded exactly once by a compare-and-set on the
-- job's listing checkpoint, so there is no unique index. Skipped import_items rows written before this
-- migration stay where they are: every reader takes both tables.
-- CreateTable
CREATE TABLE "import_skips" (
    "job_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_skips_pkey" PRIMARY KEY ("job_id","id")
);

-- No foreign key (like import_items): the job's delete trigger takes its skipped files too.
CREATE OR REPLACE FUNCTION "import_jobs_delete_items"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "import_items" WHERE "job_id" = OLD."id";
  DELETE FROM "import_skips" WHERE "job_id" = OLD."id";
  RETURN OLD;
END
$$;
