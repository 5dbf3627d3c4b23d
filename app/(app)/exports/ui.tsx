export function ExportStatusBadge({ status }: { status: string }) {
  const cls = status === "completed" ? "ok" : status === "failed" ? "bad" : "warn";
  return <span className={`badge ${cls}`} data-testid="export-status">{status}</span>;
}
