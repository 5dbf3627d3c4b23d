// The jobs manifest: every module that calls defineJob() is imported here, so that a process that
// imports this file (scripts/worker.ts, the in-server worker, the cron route) knows every handler.
// A job missing from this list is still enqueued fine but never processed.
import * as importJobs from "../imports/jobs";
import * as promptRunJobs from "../prompt-runs/jobs";
import * as automationScheduler from "../automations/scheduler";
import * as automationScans from "../automations/scan-location";
import * as webhookJobs from "../webhooks/jobs";
import * as exportJobs from "../exports/run-export";
import * as exportAutomation from "../automations/export-automation";

export const jobModules: readonly object[] = [importJobs, promptRunJobs, automationScheduler, automationScans, webhookJobs, exportJobs, exportAutomation];
