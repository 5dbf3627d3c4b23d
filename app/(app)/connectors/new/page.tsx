import Link from "next/link";
import { requireSession } from "@/lib/auth/authed-action";
import { NewConnectorForm } from "./new-connector-form";

export const dynamic = "force-dynamic";

const TITLES = { s3: "Amazon S3 or S3-compatible", gcs: "Google Cloud Storage", azure: "Azure Blob Storage" } as const;

export default async function NewConnectorPage({ searchParams }: { searchParams: Promise<{ provider?: string }> }) {
  await requireSession();
  const sp = await searchParams;
  const provider = (["s3", "gcs", "azure"].includes(sp.provider ?? "") ? sp.provider : "s3") as keyof typeof TITLES;
  return (
    <>
      <p><Link href="/connectors">← Connectors</Link></p>
      <h1>New connector: {TITLES[provider]}</h1>
      <div className="actions" style={{ marginBottom: 16 }}>
        {(Object.keys(TITLES) as (keyof typeof TITLES)[]).map((k) => (
          <Link key={k} className={`button ${k === provider ? "" : "secondary"}`} href={`/connectors/new?provider=${k}`}>{k.toUpperCase()}</Link>
        ))}
      </div>
      <NewConnectorForm key={provider} provider={provider} />
    </>
  );
}
