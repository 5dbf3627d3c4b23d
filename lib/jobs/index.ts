// The job queue (pg-boss on PostgreSQL or the embedded pglite-server). See registry.ts for how to
// declare a job (handlers must be idempotent: delivery is at-least-once), queue.ts for enqueueing
// (also inside a Prisma transaction), worker.ts for the long-running worker and the serverless slice.
export {
  defineJob,
  getJobDefinition,
  listJobDefinitions,
  JOB_DEFAULTS,
  type JobContext,
  type JobDefinition,
  type JobHandler,
  type JobOptions,
  type QueuePolicy,
  type ResolvedJobOptions,
} from "./registry";
export {
  countDueJobs,
  deleteQueue,
  enqueue,
  enqueueMany,
  ensureQueue,
  getBoss,
  JOBS_SCHEMA,
  MAX_JOB_PAYLOAD_BYTES,
  setJobsLogger,
  stopBoss,
  toJobDb,
  type EnqueueOptions,
  type JobDb,
  type JobDbExecutor,
  type JobsLogger,
} from "./queue";
export {
  JobAbortedError,
  runTimeSlice,
  startWorker,
  type RunningWorker,
  type TimeSliceOptions,
  type TimeSliceResult,
  type WorkerOptions,
} from "./worker";
