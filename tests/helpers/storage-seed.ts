import { generateKeyPairSync, randomBytes } from "node:crypto";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { Storage } from "@google-cloud/storage";
import type { EmulatorEnv } from "../../scripts/emulators/index";

/** Raw SDK clients for seeding emulator buckets in tests (the app itself goes through lib/providers). */
export function s3Client(e: NonNullable<EmulatorEnv["s3"]>, secret = e.secretAccessKey) {
  return new S3Client({
    endpoint: e.endpoint, region: e.region, forcePathStyle: true,
    credentials: { accessKeyId: e.accessKeyId, secretAccessKey: secret },
    requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export function uniqueName(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

export async function seedS3(e: NonNullable<EmulatorEnv["s3"]>, bucket: string, files: Record<string, string | Buffer>) {
  const c = s3Client(e);
  await c.send(new CreateBucketCommand({ Bucket: bucket })).catch((err) => {
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(String(err?.name))) throw err;
  });
  await Promise.all(Object.entries(files).map(([Key, Body]) => c.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))));
}

export async function seedAzure(e: NonNullable<EmulatorEnv["azure"]>, container: string, files: Record<string, string | Buffer>) {
  const svc = new BlobServiceClient(e.endpoint, new StorageSharedKeyCredential(e.accountName, e.accountKey));
  const c = svc.getContainerClient(container);
  await c.createIfNotExists();
  await Promise.all(Object.entries(files).map(([k, v]) => c.getBlockBlobClient(k).upload(v, Buffer.byteLength(v))));
}

export async function seedGcs(e: NonNullable<EmulatorEnv["gcs"]>, bucket: string, files: Record<string, string | Buffer>) {
  const storage = new Storage({ apiEndpoint: e.endpoint, projectId: "test" });
  const [exists] = await storage.bucket(bucket).exists();
  if (!exists) await storage.createBucket(bucket);
  await Promise.all(Object.entries(files).map(([k, v]) => storage.bucket(bucket).file(k).save(v, { resumable: false })));
}

/** A throwaway service-account key file (a real RSA key, never used against Google). */
export function serviceAccountFile(overrides: Record<string, unknown> = {}) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    type: "service_account",
    project_id: "gantry-test",
    private_key_id: randomBytes(20).toString("hex"),
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: "importer@gantry-test.iam.gserviceaccount.com",
    client_id: "1234567890",
    token_uri: "https://oauth2.googleapis.com/token",
    ...overrides,
  };
}
