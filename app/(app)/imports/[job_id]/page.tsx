import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession } from "@/lib/auth/authed-action";
import { ApiError } from "@/lib/api/errors";
import { getImportJob } from "@/lib/imports/import-jobs";
import { toImportJobDto } from "@/lib/imports/dto";
import { LiveJob } from "./live-job";

export const dynamic = "force-dynamic";

export default async function ImportJobPage({ params }: { params: Promise<{ job_id: string }> }) {
  const p = await requireSession();
  const { job_id } = await params;
  let job;
  try {
    job = await toImportJobDto(await getImportJob(p.workspaceId, job_id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  return (
    <>
      <p><Link href="/imports">← Imports</Link></p>
      <LiveJob initial={job} />
    </>
  );
}
