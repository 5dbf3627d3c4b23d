// The webhook jobs, for the manifest (lib/jobs/all.ts).
export { fanOutEvent } from "./fan-out";
export { deliverWebhook } from "./deliver";
