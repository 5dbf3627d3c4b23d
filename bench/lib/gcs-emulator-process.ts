// Runs the project's GCS emulator (scripts/emulators/gcs-server.ts) in its own process for the benches,
// so its CPU and heap are not shared with the bench's client side (which the raw SDK loop runs in).
// Prints one JSON line {"endpoint": …} once listening; exits on SIGTERM/SIGINT or when stdin closes.
import { startGcsEmulator } from "../../scripts/emulators/gcs-server";

async function run() {
  const gcs = await startGcsEmulator({ port: 0, host: "127.0.0.1" });
  process.stdout.write(`${JSON.stringify({ endpoint: gcs.endpoint, pid: process.pid })}\n`);
  const stop = () => void gcs.stop().finally(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}

run().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
