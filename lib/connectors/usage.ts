// What keeps a connector from being deleted (409 connector_in_use): each feature that references
// connectors (import jobs, automations, exports) registers a check that names the blocking rows.
export type UsageCheck = (workspaceId: string, connectorId: string) => Promise<string[]>;

const checks: UsageCheck[] = [];

export function registerConnectorUsageCheck(check: UsageCheck): void {
  checks.push(check);
}

export async function connectorUsage(workspaceId: string, connectorId: string): Promise<string[]> {
  const results = await Promise.all(checks.map((c) => c(workspaceId, connectorId)));
  return results.flat();
}
