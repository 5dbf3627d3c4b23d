-- Nothing reads videos by (index, connector, source path): new_only deduplicates on the unique source_key,
-- and video lists go by (workspace, id) or (index, id). The index cost every imported file one more B-tree
-- insert (one of six on this table) in the statement that records it.
DROP INDEX IF EXISTS "videos_index_id_source_connector_id_source_path_idx";
