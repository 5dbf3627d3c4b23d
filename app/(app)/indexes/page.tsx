import { requireSession } from "@/lib/auth/authed-action";
import { listIndexes, toIndexDto } from "@/lib/indexes/indexes";
import { ConfirmButton } from "@/components/confirm-button";
import { deleteIndexAction } from "./actions";
import { CreateIndexForm, RenameIndex } from "./forms";

export const dynamic = "force-dynamic";

export default async function IndexesPage() {
  const p = await requireSession();
  const page = await listIndexes(p.workspaceId, 200);
  const indexes = page.items.map(toIndexDto);
  return (
    <>
      <h1>Indexes</h1>
      <CreateIndexForm />
      <div className="panel">
        {indexes.length === 0 ? (
          <p className="empty">No indexes yet. Create one above, then import media into it.</p>
        ) : (
          <table className="list">
            <thead><tr><th>Name</th><th>Description</th><th>ID</th><th>Created</th><th></th></tr></thead>
            <tbody>
              {indexes.map((i) => (
                <tr key={i.index_id} data-testid="index-row">
                  <td><RenameIndex indexId={i.index_id} name={i.name} /> <a href={`/indexes/${i.index_id}`} style={{ fontSize: 13 }}>open</a></td>
                  <td className="muted">{i.description ?? "—"}</td>
                  <td className="mono">{i.index_id}</td>
                  <td>{i.created_at.slice(0, 10)}</td>
                  <td>
                    <form action={deleteIndexAction}>
                      <input type="hidden" name="index_id" value={i.index_id} />
                      <ConfirmButton label="Delete" confirmLabel="Delete index" />
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
