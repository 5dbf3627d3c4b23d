-- CreateTable
CREATE TABLE "exports" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "index_id" TEXT NOT NULL,
    "export_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "prompt_run_ids" TEXT[],
    "prompt_run_ids_set" BOOLEAN NOT NULL DEFAULT false,
    "format" TEXT NOT NULL DEFAULT 'json',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "queue_status" TEXT DEFAULT 'queued',
    "queue_job_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL,
    "max_bytes" BIGINT NOT NULL,
    "retry_delay_seconds" INTEGER NOT NULL,
    "available_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "destination_type" TEXT NOT NULL,
    "destination_connector_id" TEXT,
    "destination_base_path" TEXT,
    "destination_subpath" TEXT,
    "storage_key" TEXT,
    "storage_uri" TEXT,
    "file_size_bytes" BIGINT,
    "video_count" INTEGER,
    "segment_count" INTEGER,
    "error_message" TEXT,
    "last_error" TEXT,
    "automation_id" TEXT,
    "prompt_run_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "exports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "exports_workspace_id_id_idx" ON "exports"("workspace_id", "id");

-- CreateIndex
CREATE INDEX "exports_destination_connector_id_status_idx" ON "exports"("destination_connector_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "exports_automation_id_prompt_run_id_key" ON "exports"("automation_id", "prompt_run_id");
