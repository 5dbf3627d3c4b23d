-- CreateTable
CREATE TABLE "prompts" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "prompt_text" TEXT NOT NULL,
    "json_schema" JSONB NOT NULL,
    "video_level" JSONB,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "prompts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_runs" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "prompt_id" TEXT NOT NULL,
    "index_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "processing_model" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "segmentation_type" TEXT NOT NULL DEFAULT 'fixed',
    "segment_duration" DOUBLE PRECISION NOT NULL DEFAULT 10,
    "enable_transcription" BOOLEAN NOT NULL DEFAULT false,
    "prompt_snapshot" JSONB NOT NULL,
    "target_type" TEXT NOT NULL,
    "video_count" INTEGER NOT NULL DEFAULT 0,
    "completed_videos" INTEGER NOT NULL DEFAULT 0,
    "failed_videos" INTEGER NOT NULL DEFAULT 0,
    "dispatch_cursor" TEXT,
    "dispatch_done" BOOLEAN NOT NULL DEFAULT false,
    "automation_id" TEXT,
    "import_job_id" TEXT,
    "error_message" TEXT,
    "last_progress_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "prompt_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_run_videos" (
    "id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "video_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "engine" TEXT,
    "video_result" JSONB,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimed_at" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "prompt_run_videos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_run_segments" (
    "id" TEXT NOT NULL,
    "result_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "start_seconds" DOUBLE PRECISION NOT NULL,
    "end_seconds" DOUBLE PRECISION NOT NULL,
    "status" TEXT NOT NULL,
    "data" JSONB,
    "error" TEXT,

    CONSTRAINT "prompt_run_segments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "automations" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "index_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "paused_reason" TEXT,
    "connector_id" TEXT NOT NULL,
    "source_prefix" TEXT NOT NULL DEFAULT '',
    "file_pattern" TEXT NOT NULL DEFAULT '*',
    "recursive" BOOLEAN NOT NULL DEFAULT true,
    "debounce_interval" TEXT,
    "prompt_preset" JSONB,
    "backfill" BOOLEAN NOT NULL DEFAULT false,
    "baseline_done" BOOLEAN NOT NULL DEFAULT false,
    "destination_subpath" TEXT,
    "format" TEXT,
    "last_triggered_at" TIMESTAMP(3),
    "next_run_at" TIMESTAMP(3),
    "scan_lease_until" TIMESTAMP(3),
    "scan_job_id" TEXT,
    "last_import_job_id" TEXT,
    "last_export_id" TEXT,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "automations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "automation_seen_files" (
    "automation_id" TEXT NOT NULL,
    "source_key" TEXT NOT NULL,

    CONSTRAINT "automation_seen_files_pkey" PRIMARY KEY ("automation_id","source_key")
);

-- CreateIndex
CREATE INDEX "prompts_workspace_id_id_idx" ON "prompts"("workspace_id", "id");

-- CreateIndex
CREATE INDEX "prompt_runs_workspace_id_id_idx" ON "prompt_runs"("workspace_id", "id");

-- CreateIndex
CREATE INDEX "prompt_runs_index_id_id_idx" ON "prompt_runs"("index_id", "id");

-- CreateIndex
CREATE INDEX "prompt_run_videos_run_id_status_id_idx" ON "prompt_run_videos"("run_id", "status", "id");

-- CreateIndex
CREATE INDEX "prompt_run_videos_video_id_idx" ON "prompt_run_videos"("video_id");

-- CreateIndex
CREATE UNIQUE INDEX "prompt_run_videos_run_id_video_id_key" ON "prompt_run_videos"("run_id", "video_id");

-- CreateIndex
CREATE INDEX "prompt_run_segments_run_id_idx" ON "prompt_run_segments"("run_id");

-- CreateIndex
CREATE UNIQUE INDEX "prompt_run_segments_result_id_ordinal_key" ON "prompt_run_segments"("result_id", "ordinal");

-- CreateIndex
CREATE INDEX "automations_type_next_run_at_idx" ON "automations"("type", "next_run_at");

-- CreateIndex
CREATE INDEX "automations_workspace_id_id_idx" ON "automations"("workspace_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "automations_index_id_type_key" ON "automations"("index_id", "type");

-- AddForeignKey
ALTER TABLE "prompt_run_videos" ADD CONSTRAINT "prompt_run_videos_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "prompt_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_run_segments" ADD CONSTRAINT "prompt_run_segments_result_id_fkey" FOREIGN KEY ("result_id") REFERENCES "prompt_run_videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;
