import type { z } from "zod";
import { iso } from "@/lib/api/serialize";
import type { Connector } from "@/lib/generated/prisma/client";
import type { ConnectorObject } from "./schemas";

export type ConnectorRow = Omit<Connector, "sealedCredentials">;

/** Explicit field list: the sealed credentials column cannot reach a response by accident. */
export function toConnectorDto(c: ConnectorRow): z.infer<typeof ConnectorObject> {
  return {
    connector_id: c.id,
    name: c.name,
    provider: c.provider as "s3" | "gcs" | "azure",
    status: c.status as z.infer<typeof ConnectorObject>["status"],
    scopes: c.scopes as ("import" | "export")[],
    import_mode: c.importMode as "all" | "new_only",
    export_base_path: c.exportBasePath,
    bucket: c.bucket,
    region: c.region,
    storage_account: c.storageAccount,
    container: c.container,
    gcp_project_id: c.gcpProjectId,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    last_tested_at: iso(c.lastTestedAt),
    last_test_result: c.lastTestResult as "success" | "failure" | null,
    last_test_error: c.lastTestError,
    endpoint: c.endpoint,
    auth_method: c.authMethod as z.infer<typeof ConnectorObject>["auth_method"],
    credential_hint: c.credentialHint,
  };
}
