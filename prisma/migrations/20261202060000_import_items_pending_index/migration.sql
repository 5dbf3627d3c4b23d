-- Claiming the next file of a job (lib/imports/jobs.ts claimItem) reads the lowest pending id. With
-- only (job_id, status, id) PostgreSQL often walks the primary key from the job's first item and
-- filters out the files already done: O(files) per claim, O(files²) per job. This partial index
-- holds only the pending rows, so the claim reads one entry whatever the job's size.
CREATE INDEX "import_items_pending_idx" ON "import_items" ("job_id", "id") WHERE "status" = 'pending';
