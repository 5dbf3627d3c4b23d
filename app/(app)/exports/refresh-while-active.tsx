"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** Re-renders the page every second while some export is still pending or processing. */
export function RefreshWhileActive({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(t);
  }, [active, router]);
  return null;
}
