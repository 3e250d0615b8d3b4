/**
 * The response headers of every server-sent event stream: no caching or transforming proxies, and no buffering by
 * nginx (`x-accel-buffering`), which would hold events back until its buffer fills.
 */
export const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;
