// Single-machine mode: the job worker runs inside the Next.js server process (GANTRY_WORKER=inline, the
// default). Scale-out deployments set GANTRY_WORKER=off on web processes and run `npm run worker`.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if ((process.env.GANTRY_WORKER ?? "inline") !== "inline") return;
  if (!process.env.DATABASE_URL) return; // started without the launcher (e.g. during build)
  const { startInlineWorker } = await import("./lib/jobs/inline");
  await startInlineWorker();
}
