import type { z } from "zod";
import { db } from "@/lib/db";
import { ApiError } from "@/lib/api/errors";
import { providerForConnector } from "@/lib/providers/factory";
import type { ConnectionCheck } from "@/lib/providers/types";
import { getConnector } from "./connectors";
import { TEST_ERROR_CODES, type ConnectorTestResult } from "./schemas";

type TestResult = z.infer<typeof ConnectorTestResult>;

/**
 * Runs the connection checks for the connector's scopes (import: list; export: also write + read +
 * delete a probe under export_base_path) and records the outcome. A failed test is a result, not an error.
 */
export async function testConnector(workspaceId: string, connectorId: string): Promise<TestResult> {
  const connector = await getConnector(workspaceId, connectorId);
  const scope = connector.scopes.includes("export") ? "export" : "import";
  const started = Date.now();
  let check: ConnectionCheck;
  if (connector.status !== "disabled") await db.connector.updateMany({ where: { id: connector.id, workspaceId }, data: { status: "testing" } });
  try {
    const provider = await providerForConnector(workspaceId, connectorId);
    check = await provider.check(scope, { probePrefix: connector.exportBasePath });
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "endpoint_not_allowed") {
      if (connector.status !== "disabled") await db.connector.updateMany({ where: { id: connector.id }, data: { status: connector.status } });
      throw err;
    }
    check = { success: false, error_code: "endpoint_not_allowed", error_message: err.message, checks: [], latency_ms: Date.now() - started };
  }
  const code = check.error_code && (TEST_ERROR_CODES as readonly string[]).includes(check.error_code)
    ? (check.error_code as TestResult["error_code"])
    : check.success ? null : "network_error";
  await db.connector.updateMany({
    where: { id: connector.id, workspaceId },
    data: {
      lastTestedAt: new Date(),
      lastTestResult: check.success ? "success" : "failure",
      lastTestError: check.success ? null : check.error_message,
      // A disabled connector stays disabled whatever the test says.
      status: connector.status === "disabled" ? "disabled" : check.success ? "active" : "failed",
    },
  });
  return {
    success: check.success,
    error_message: check.success ? null : check.error_message,
    error_code: check.success ? null : code,
    checks: check.checks.map((c) => ({ name: c.name, ok: c.ok, error_message: c.error_message })),
    latency_ms: check.latency_ms,
  };
}
