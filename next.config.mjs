/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages that must not be bundled (native-ish, wasm, or large SDKs).
  serverExternalPackages: [
    "pg", "pg-boss", "@electric-sql/pglite", "@electric-sql/pglite-socket", "@prisma/client",
    "@prisma/adapter-pg", "@prisma/schema-engine-wasm", "@aws-sdk/client-s3", "@aws-sdk/lib-storage",
    "@google-cloud/storage", "@azure/storage-blob", "@azure/identity", "@ffprobe-installer/ffprobe",
  ],
  poweredByHeader: false,
  // No gzip in the Node server by default: compressing 1,000-entry JSON pages cost ~17 ms of CPU per
  // request (bench/RESULTS.md, browse). Compression belongs to the reverse proxy or edge in front of it
  // (Vercel's edge compresses anyway); GANTRY_HTTP_COMPRESS=on turns the server's own gzip back on.
  compress: process.env.GANTRY_HTTP_COMPRESS === "on",
  typedRoutes: false,
};
export default nextConfig;
