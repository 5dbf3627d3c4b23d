// A separate process that scans one import automation once and prints the outcome (tests: two
// worker processes scanning the same automation at the same moment).
import { scanAutomation } from "@/lib/automations/scan-location";
import { disconnectDb } from "@/lib/db";
import { stopBoss } from "@/lib/jobs/queue";

async function main() {
  const outcome = await scanAutomation(process.argv[2]);
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  await stopBoss().catch(() => undefined);
  await disconnectDb();
  process.exit(0);
}
void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
