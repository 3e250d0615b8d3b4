import type { BullMQQueue, BullMQQueueOptions } from './bullmq-queue.ts';

/** The BullMQ backend, loaded on first use: BullMQ costs about 27 MB of memory in a process that never needs it. */
export async function createDistributedQueue(options: BullMQQueueOptions): Promise<BullMQQueue> {
  const { BullMQQueue: Backend } = await import('./bullmq-queue.ts');
  return new Backend(options);
}
