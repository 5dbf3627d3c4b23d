"use client";

import { useState } from "react";

/** A destructive submit that asks once more inline (no browser dialog), then submits its form. */
export function ConfirmButton({ label, confirmLabel, className = "danger" }: { label: string; confirmLabel: string; className?: string }) {
  const [armed, setArmed] = useState(false);
  if (!armed) {
    return <button type="button" className="secondary" onClick={() => setArmed(true)}>{label}</button>;
  }
  return (
    <span className="actions">
      <button type="submit" className={className}>{confirmLabel}</button>
      <button type="button" className="secondary" onClick={() => setArmed(false)}>Cancel</button>
    </span>
  );
}
