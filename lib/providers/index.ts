/**
 * Storage providers: one interface (./types), four backends. `createStorageProvider` takes plain,
 * already unsealed configuration; turning a connector into a ProviderConfig (secrets, outbound-address
 * guard, GANTRY_AZURE_AUTHORITY_HOST) happens in the caller.
 */
import type { AzureProviderConfig } from "./azure";
import type { GcsProviderConfig } from "./gcs";
import { createLocalProvider, type LocalProviderConfig } from "./local";
import type { S3ProviderConfig } from "./s3";
import type { StorageProvider } from "./types";

export type ProviderConfig =
  | ({ provider: "s3" } & S3ProviderConfig)
  | ({ provider: "gcs" } & GcsProviderConfig)
  | ({ provider: "azure" } & AzureProviderConfig)
  | ({ provider: "local" } & LocalProviderConfig);

/**
 * A provider for the configuration. The cloud SDKs are loaded on first use, one per provider kind: a
 * process that only ever talks to S3 never loads the Azure and Google SDKs (about 50 MiB of RSS
 * together), which matters most to workers with a memory budget (exports: peak RSS < 300 MB).
 */
export function createStorageProvider(cfg: ProviderConfig): StorageProvider {
  switch (cfg.provider) {
    case "s3":
      return lazyProvider("s3", async () => (await import("./s3")).createS3Provider(cfg));
    case "gcs":
      return lazyProvider("gcs", async () => (await import("./gcs")).createGcsProvider(cfg));
    case "azure":
      return lazyProvider("azure", async () => (await import("./azure")).createAzureProvider(cfg));
    case "local":
      return createLocalProvider(cfg);
    default: {
      const never: never = cfg;
      throw new Error(`unknown storage provider ${JSON.stringify((never as { provider?: unknown }).provider)}`);
    }
  }
}

/** Builds the real provider on the first call (every method is async), then delegates to it. */
function lazyProvider(kind: StorageProvider["provider"], build: () => Promise<StorageProvider>): StorageProvider {
  let inner: Promise<StorageProvider> | undefined;
  const get = () =>
    (inner ??= build().catch((err: unknown) => {
      inner = undefined; // a failed load or a rejected configuration is not cached
      throw err;
    }));
  return {
    provider: kind,
    check: async (scope, opts) => (await get()).check(scope, opts),
    list: async (q) => (await get()).list(q),
    stat: async (p) => (await get()).stat(p),
    read: async (p, range) => (await get()).read(p, range),
    plainGet: async (p) => ((await get()).plainGet?.(p)) ?? null,
    write: async (p, body, info) => (await get()).write(p, body, info),
    remove: async (p) => (await get()).remove(p),
  };
}

export { createLocalProvider };
export type { AzureAuth, AzureProviderConfig } from "./azure";
export type { GcsProviderConfig, GcsServiceAccountKey } from "./gcs";
export type { LocalProviderConfig } from "./local";
export type { S3ProviderConfig } from "./s3";
export { LOCAL_TMP_DIR, contentTypeForPath } from "./local";
export { decodeCursor, encodeCursor, runConnectionCheck } from "./common";
export {
  InvalidCursorError,
  InvalidPathError,
  StorageError,
  isStorageError,
  mapAzureError,
  mapGcsError,
  mapLocalError,
  mapS3Error,
  redact,
  type ErrorContext,
  type StorageErrorCode,
} from "./errors";
export {
  MAX_PAGE_SIZE,
  type ByteRange,
  type CheckName,
  type CheckOptions,
  type ConnectionCheck,
  type ConnectionCheckItem,
  type ListPage,
  type ListQuery,
  type ProviderKind,
  type RemoteObject,
  type StorageProvider,
  type WriteInfo,
} from "./types";
