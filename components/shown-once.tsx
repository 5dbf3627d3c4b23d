"use client";

import { CopyButton } from "./copy-button";

/** A secret shown exactly once (new API key, webhook signing secret), with a copy button and a note. */
export function ShownOnce({ text, testId, children }: { text: string; testId: string; children: React.ReactNode }) {
  return (
    <div>
      <div className="secret-box" data-testid={testId}>
        <code>{text}</code>
        <CopyButton text={text} />
      </div>
      <p className="muted">{children}</p>
    </div>
  );
}
