// Import job statuses, in a module of their own (no zod): the server code and the job page's client
// component read the same lists.
export const IMPORT_STATUSES = ["pending", "scanning", "importing", "completed", "failed", "cancelled"] as const;
/** A job still running: it can be cancelled, gets listed files, and blocks deleting its connector or index. */
export const ACTIVE_IMPORT_STATUSES: string[] = ["pending", "scanning", "importing"];
/** The same list as an SQL literal list, for `status IN (…)` in plain statements. */
export const ACTIVE_IMPORT_STATUSES_SQL = ACTIVE_IMPORT_STATUSES.map((s) => `'${s}'`).join(", ");
export const TERMINAL_IMPORT_STATUSES = ["completed", "failed", "cancelled"] as const;
