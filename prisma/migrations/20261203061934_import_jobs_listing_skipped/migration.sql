-- How many files a job's listing skipped (its import_skips rows), written by the same statement as those
-- rows, exactly once per page: progress and the job's end read it instead of counting the rows (a rescan
-- of a million files would otherwise count a million rows at every refresh). See lib/imports/progress.ts.
-- AlterTable
ALTER TABLE "import_jobs" ADD COLUMN     "listing_skipped" INTEGER NOT NULL DEFAULT 0;

-- Jobs that already have import_skips rows (written before this column) start from their count.
UPDATE "import_jobs" j SET "listing_skipped" = k.n
FROM (SELECT "job_id", count(*)::int AS n FROM "import_skips" GROUP BY "job_id") k
WHERE k."job_id" = j."id";
