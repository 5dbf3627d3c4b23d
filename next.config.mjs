/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages that must not be bundled (native-ish, wasm, or large SDKs).
  serverExternalPackages: [
    "pg", "pg-boss", "@electric-sql/pglite", "@electric-sql/pglite-socket", "@prisma/client",
    "@prisma/adapter-pg", "@prisma/schema-engine-wasm", "@aws-sdk/client-s3", "@aws-sdk/lib-storage",
    "@google-cloud/storage", "@azure/storage-blob", "@azure/identity", "@ffprobe-installer/ffprobe",
  ],
  poweredByHeader: false,
  typedRoutes: false,
};
export default nextConfig;
