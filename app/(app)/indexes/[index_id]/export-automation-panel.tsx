import { db } from "@/lib/db";
import { toExportAutomationDto } from "@/lib/automations/export-automation";
import { ExportAutomationForm } from "./export-automation-form";

/** The index's export automation: every finished prompt run of the index is exported to a connector. */
export async function ExportAutomationPanel({ workspaceId, indexId }: { workspaceId: string; indexId: string }) {
  const [automation, connectors] = await Promise.all([
    db.automation.findFirst({ where: { workspaceId, indexId, type: "export" } }),
    db.connector.findMany({ where: { workspaceId, scopes: { has: "export" }, status: { not: "disabled" } }, select: { id: true, name: true, exportBasePath: true }, orderBy: { id: "desc" } }),
  ]);
  return (
    <ExportAutomationForm
      indexId={indexId}
      automation={automation ? toExportAutomationDto(automation) : null}
      connectors={connectors.map((c) => ({ id: c.id, name: c.name, basePath: c.exportBasePath ?? "" }))}
    />
  );
}
