export function StatusBadge({ status }: { status: string }) {
  const cls = status === "active" ? "ok" : status === "failed" ? "bad" : status === "testing" ? "warn" : "";
  return <span className={`badge ${cls}`} data-testid="connector-status">{status}</span>;
}

export function location(c: { provider: string; bucket: string | null; storage_account: string | null; container: string | null }) {
  if (c.provider === "s3") return `s3://${c.bucket}`;
  if (c.provider === "gcs") return `gs://${c.bucket}`;
  return `${c.storage_account}/${c.container}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
