import { z } from "zod";

export const CONNECTOR_SCOPES = ["import", "export"] as const;
export const IMPORT_MODES = ["all", "new_only"] as const;
export const CONNECTOR_STATUSES = ["active", "testing", "failed", "disabled"] as const;
export const AUTH_METHODS = ["service_account", "access_key", "service_principal", "account_key", "sas_token"] as const;

const name = z.string().trim().min(1, "must be 1–100 characters").max(100, "must be 1–100 characters");
const scopes = z.array(z.enum(CONNECTOR_SCOPES)).min(1, "must name at least one of import, export").max(2);
const basePath = z.string().max(512);
const endpoint = z.string().url("must be an absolute URL").max(2048);

const common = {
  name,
  scopes: scopes.default(["import"]),
  export_base_path: basePath.optional(),
  import_mode: z.enum(IMPORT_MODES).default("all"),
};

export const CreateS3Body = z
  .object({
    ...common,
    bucket: z.string().trim().min(3).max(255),
    region: z.string().trim().min(1).max(64).default("us-east-1"),
    aws_access_key_id: z.string().trim().min(1).max(256),
    aws_secret_access_key: z.string().min(1).max(1024),
    session_token: z.string().min(1).max(8192).optional(),
    endpoint: endpoint.optional(),
    force_path_style: z.boolean().optional(),
  })
  .strict();

export const CreateAzureBody = z
  .object({
    ...common,
    storage_account: z.string().trim().regex(/^[a-z0-9]{3,24}$/, "must be 3–24 lowercase letters or digits"),
    container: z.string().trim().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "must be a valid container name (3–63 lowercase letters, digits, hyphens)"),
    tenant_id: z.string().trim().min(1).max(128).optional(),
    client_id: z.string().trim().min(1).max(128).optional(),
    client_secret: z.string().min(1).max(1024).optional(),
    account_key: z.string().min(1).max(1024).optional(),
    sas_token: z.string().min(1).max(4096).optional(),
    endpoint: endpoint.optional(),
  })
  .strict();

/** Multipart fields arrive as strings (or string arrays for repeated fields). */
const multipartScopes = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean))
  .pipe(scopes);
const uploadedFile = z.object({ filename: z.string(), contentType: z.string(), bytes: z.instanceof(Buffer) });

export const CreateGcsBody = z
  .object({
    name,
    bucket: z.string().trim().min(3).max(222),
    gcp_project_id: z.string().trim().min(1).max(128),
    scopes: multipartScopes.default(["import"]),
    export_base_path: basePath.optional(),
    import_mode: z.enum(IMPORT_MODES).default("all"),
    endpoint: endpoint.optional(),
    credentials_file: uploadedFile,
  })
  .strict();

const patchCommon = {
  name: name.optional(),
  scopes: scopes.optional(),
  export_base_path: basePath.optional(),
  import_mode: z.enum(IMPORT_MODES).optional(),
  status: z.enum(["active", "disabled"]).optional(),
  endpoint: endpoint.nullable().optional(),
};
export const PatchS3Body = z
  .object({
    ...patchCommon,
    aws_access_key_id: z.string().trim().min(1).max(256).optional(),
    aws_secret_access_key: z.string().min(1).max(1024).optional(),
    session_token: z.string().min(1).max(8192).nullable().optional(),
    force_path_style: z.boolean().optional(),
    region: z.string().trim().min(1).max(64).optional(),
  })
  .strict();
export const PatchAzureBody = z
  .object({
    ...patchCommon,
    tenant_id: z.string().trim().min(1).max(128).optional(),
    client_id: z.string().trim().min(1).max(128).optional(),
    client_secret: z.string().min(1).max(1024).optional(),
    account_key: z.string().min(1).max(1024).optional(),
    sas_token: z.string().min(1).max(4096).optional(),
  })
  .strict();
export const PatchGcsBody = z
  .object({
    name: name.optional(),
    scopes: multipartScopes.optional(),
    export_base_path: basePath.optional(),
    import_mode: z.enum(IMPORT_MODES).optional(),
    status: z.enum(["active", "disabled"]).optional(),
    endpoint: endpoint.optional(),
    gcp_project_id: z.string().trim().min(1).max(128).optional(),
    credentials_file: uploadedFile.optional(),
  })
  .strict();
/** Documentation shape of PATCH (JSON for S3/Azure, multipart for GCS). */
export const PatchConnectorDoc = PatchS3Body.merge(PatchAzureBody.partial()).strict();

export const IMMUTABLE_FIELDS = ["provider", "bucket", "container", "storage_account"] as const;

export const ConnectorObject = z.object({
  connector_id: z.string(),
  name: z.string(),
  provider: z.enum(["gcs", "s3", "azure"]),
  status: z.enum(CONNECTOR_STATUSES),
  scopes: z.array(z.enum(CONNECTOR_SCOPES)),
  import_mode: z.enum(IMPORT_MODES),
  export_base_path: z.string(),
  bucket: z.string().nullable(),
  region: z.string().nullable(),
  storage_account: z.string().nullable(),
  container: z.string().nullable(),
  gcp_project_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_tested_at: z.string().nullable(),
  last_test_result: z.enum(["success", "failure"]).nullable(),
  last_test_error: z.string().nullable(),
  endpoint: z.string().nullable(),
  auth_method: z.enum(AUTH_METHODS),
  credential_hint: z.string().nullable(),
});

export const TEST_ERROR_CODES = ["auth_failed", "permission_denied", "bucket_not_found", "network_error", "endpoint_not_allowed", "timeout"] as const;
export const ConnectorTestResult = z.object({
  success: z.boolean(),
  error_message: z.string().nullable(),
  error_code: z.enum(TEST_ERROR_CODES).nullable(),
  checks: z.array(z.object({ name: z.enum(["list", "read", "write"]), ok: z.boolean(), error_message: z.string().nullable() })),
  latency_ms: z.number(),
});

export const BrowseBody = z
  .object({
    prefix: z.string().max(1024).default(""),
    pattern: z.string().min(1).max(1024).default("*"),
    recursive: z.boolean().default(true),
    limit: z.number().int().min(1).max(10000).default(1000),
    cursor: z.string().max(4096).optional(),
    include_folders: z.boolean().default(false),
  })
  .strict();
export const BrowseEntry = z.object({
  path: z.string(),
  name: z.string(),
  size_bytes: z.number(),
  last_modified: z.string().nullable(),
  content_type: z.string().nullable(),
  extension: z.string().nullable(),
  etag: z.string().nullable(),
  type: z.enum(["file", "folder"]).optional(),
});
