/**
 * Storage providers: one interface (./types), four backends. `createStorageProvider` takes plain,
 * already unsealed configuration; turning a connector into a ProviderConfig (secrets, outbound-address
 * guard, GANTRY_AZURE_AUTHORITY_HOST) happens in the caller.
 */
import { createAzureProvider, type AzureProviderConfig } from "./azure";
import { createGcsProvider, type GcsProviderConfig } from "./gcs";
import { createLocalProvider, type LocalProviderConfig } from "./local";
import { createS3Provider, type S3ProviderConfig } from "./s3";
import type { StorageProvider } from "./types";

export type ProviderConfig =
  | ({ provider: "s3" } & S3ProviderConfig)
  | ({ provider: "gcs" } & GcsProviderConfig)
  | ({ provider: "azure" } & AzureProviderConfig)
  | ({ provider: "local" } & LocalProviderConfig);

export function createStorageProvider(cfg: ProviderConfig): StorageProvider {
  switch (cfg.provider) {
    case "s3":
      return createS3Provider(cfg);
    case "gcs":
      return createGcsProvider(cfg);
    case "azure":
      return createAzureProvider(cfg);
    case "local":
      return createLocalProvider(cfg);
    default: {
      const never: never = cfg;
      throw new Error(`unknown storage provider ${JSON.stringify((never as { provider?: unknown }).provider)}`);
    }
  }
}

export { createAzureProvider, createGcsProvider, createLocalProvider, createS3Provider };
export type { AzureAuth, AzureProviderConfig } from "./azure";
export type { GcsProviderConfig, GcsServiceAccountKey } from "./gcs";
export type { LocalProviderConfig } from "./local";
export type { S3ProviderConfig } from "./s3";
export { AZURE_BLOCK_SIZE, AZURE_CONCURRENCY, AZURE_SINGLE_PUT_MAX } from "./azure";
export { GCS_CHUNK_SIZE, GCS_RESUMABLE_THRESHOLD } from "./gcs";
export { LOCAL_TMP_DIR, contentTypeForPath } from "./local";
export { S3_PART_SIZE, S3_QUEUE_SIZE } from "./s3";
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
