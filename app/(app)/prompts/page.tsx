import Link from "next/link";
import { requireSession } from "@/lib/auth/authed-action";
import { listPrompts, toPromptDto } from "@/lib/prompts/prompts";
import { PromptEditor } from "./prompt-editor";

export const dynamic = "force-dynamic";

export default async function PromptsPage({ searchParams }: { searchParams: Promise<{ cursor?: string }> }) {
  const p = await requireSession();
  const { cursor } = await searchParams;
  const page = await listPrompts(p.workspaceId, 50, cursor).catch(() => listPrompts(p.workspaceId, 50));
  const prompts = page.items.map(toPromptDto);
  return (
    <>
      <h1>Prompts</h1>
      <div className="panel">
        {prompts.length === 0 ? <p className="empty">No prompts yet. Create one below, then run it over an index from the index page.</p> : (
          <table className="list">
            <thead><tr><th>Name</th><th>Description</th><th>Fields</th><th>Status</th><th>Created</th></tr></thead>
            <tbody>
              {prompts.map((x) => (
                <tr key={x.prompt_id} data-testid="prompt-row">
                  <td><Link href={`/prompts/${x.prompt_id}`}>{x.name}</Link></td>
                  <td className="muted">{x.description ?? "—"}</td>
                  <td className="mono">{Object.keys((x.json_schema as { properties?: object }).properties ?? {}).join(", ") || "—"}</td>
                  <td><span className={`badge ${x.is_active ? "ok" : ""}`}>{x.is_active ? "active" : "inactive"}</span></td>
                  <td>{x.created_at.slice(0, 16).replace("T", " ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {page.nextCursor && <p><Link className="button secondary" href={`/prompts?cursor=${page.nextCursor}`}>Next page</Link></p>}
      </div>
      <PromptEditor />
    </>
  );
}
