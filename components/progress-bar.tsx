/** A thin progress bar (0–100). */
export function ProgressBar({ pct }: { pct: number }) {
  return (
    <div style={{ background: "#eef0f3", borderRadius: 6, height: 10, overflow: "hidden" }} role="progressbar" aria-valuenow={pct}>
      <div style={{ width: `${pct}%`, background: "var(--accent)", height: "100%", transition: "width .4s" }} />
    </div>
  );
}
