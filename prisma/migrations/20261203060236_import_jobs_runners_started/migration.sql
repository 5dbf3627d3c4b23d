-- The scan now starts an import job's runners once, when it first records files for them or when its
-- listing ends with files left (a new_only rescan that skips every file starts none: their queue
-- pickups and polling competed with its pages for the embedded database). The flag commits with the
-- runners' queue rows, so they start exactly once even across a crashed scan step.
-- AlterTable
ALTER TABLE "import_jobs" ADD COLUMN     "runners_started" BOOLEAN NOT NULL DEFAULT false;

-- Jobs past pending had their runners started when they began scanning (the code before this).
UPDATE "import_jobs" SET "runners_started" = true WHERE "status" <> 'pending';
