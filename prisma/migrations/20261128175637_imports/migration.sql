-- CreateTable
CREATE TABLE "videos" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "index_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "video_uri" TEXT NOT NULL,
    "storage_key" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ready',
    "duration_seconds" DOUBLE PRECISION,
    "size_bytes" BIGINT NOT NULL,
    "content_type" TEXT,
    "source_connector_id" TEXT,
    "source_path" TEXT,
    "source_version" TEXT,
    "source_etag" TEXT,
    "import_job_id" TEXT,
    "import_item_id" TEXT,
    "source_key" TEXT,
    "checksum_sha256" TEXT,
    "metadata" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "videos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_jobs" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "connector_id" TEXT NOT NULL,
    "index_id" TEXT NOT NULL,
    "source_prefix" TEXT NOT NULL,
    "file_pattern" TEXT NOT NULL,
    "recursive" BOOLEAN NOT NULL,
    "import_mode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "automation_id" TEXT,
    "prompt_run_id" TEXT,
    "error_message" TEXT,
    "total_files" INTEGER NOT NULL DEFAULT 0,
    "imported_files" INTEGER NOT NULL DEFAULT 0,
    "failed_files" INTEGER NOT NULL DEFAULT 0,
    "skipped_files" INTEGER NOT NULL DEFAULT 0,
    "bytes_transferred" BIGINT NOT NULL DEFAULT 0,
    "total_bytes" BIGINT NOT NULL DEFAULT 0,
    "current_file" TEXT,
    "listing_cursor" TEXT,
    "listing_done" BOOLEAN NOT NULL DEFAULT false,
    "last_progress_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "import_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_items" (
    "id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "etag" TEXT,
    "size_bytes" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "video_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "import_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "index_id" TEXT,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "videos_import_item_id_key" ON "videos"("import_item_id");

-- CreateIndex
CREATE UNIQUE INDEX "videos_source_key_key" ON "videos"("source_key");

-- CreateIndex
CREATE INDEX "videos_index_id_source_connector_id_source_path_idx" ON "videos"("index_id", "source_connector_id", "source_path");

-- CreateIndex
CREATE INDEX "videos_workspace_id_id_idx" ON "videos"("workspace_id", "id");

-- CreateIndex
CREATE INDEX "videos_index_id_id_idx" ON "videos"("index_id", "id");

-- CreateIndex
CREATE INDEX "import_jobs_workspace_id_id_idx" ON "import_jobs"("workspace_id", "id");

-- CreateIndex
CREATE INDEX "import_jobs_connector_id_status_idx" ON "import_jobs"("connector_id", "status");

-- CreateIndex
CREATE INDEX "import_items_job_id_status_id_idx" ON "import_items"("job_id", "status", "id");

-- CreateIndex
CREATE UNIQUE INDEX "import_items_job_id_path_version_key" ON "import_items"("job_id", "path", "version");

-- CreateIndex
CREATE INDEX "events_workspace_id_id_idx" ON "events"("workspace_id", "id");

-- AddForeignKey
ALTER TABLE "videos" ADD CONSTRAINT "videos_index_id_fkey" FOREIGN KEY ("index_id") REFERENCES "indexes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_items" ADD CONSTRAINT "import_items_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "import_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
