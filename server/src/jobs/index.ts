export type { BullMQQueue, BullMQQueueOptions } from './bullmq-queue.ts';
export { createDistributedQueue } from './distributed.ts';
export { EmbeddedQueue } from './embedded-queue.ts';
export type { EmbeddedQueueOptions } from './embedded-queue.ts';
export { nextRun } from './schedules.ts';
export { BackoffSchema, EnqueueOptionsSchema, jobStates } from './types.ts';
export type {
  Backoff,
  EnqueueOptions,
  EnqueueResult,
  JobDefinition,
  JobFilter,
  JobRecord,
  JobState,
  Queue,
  RetentionOptions,
  RunningJob,
  ScheduleDefinition,
  WorkerOptions,
} from './types.ts';
export { jobRoutes } from './routes.ts';
export {
  createEventHub,
  defineEvent,
  deliverJobType,
  emit,
  emitMany,
  EventDispatcher,
  EventHub,
  eventRegistry,
  EventRegistry,
  jobDead,
  llmRequestCompleted,
  parseTypeFilter,
  renderCatalogue,
  spliceCatalogue,
} from './events/index.ts';
export type {
  CommitNotice,
  DeliveredEvent,
  DeliveryContext,
  DispatcherOptions,
  EmittedEvent,
  EventDefinition,
  EventHandler,
  EventHubOptions,
  EventPayloads,
  FollowOptions,
  LogEvent,
  NewEvent,
  PayloadOf,
  TypeFilter,
} from './events/index.ts';
