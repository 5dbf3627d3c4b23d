export function JobStatusBadge({ status }: { status: string }) {
  const cls = status === "completed" ? "ok" : status === "failed" ? "bad" : status === "cancelled" ? "" : "warn";
  return <span className={`badge ${cls}`} data-testid="job-status">{status}</span>;
}
