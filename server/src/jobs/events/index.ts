export { renderCatalogue, spliceCatalogue } from './catalogue.ts';
export { deliverJobType, EventDispatcher } from './dispatcher.ts';
export type { DeliveredEvent, DeliveryContext, DispatcherOptions, EventHandler } from './dispatcher.ts';
export { createEventHub, EventHub, noticeChannel } from './live.ts';
export type { EventHubOptions, FollowOptions, NoticeBus, NoticeListener } from './live.ts';
export { comparePositions, parseTypeFilter, typeMatches } from './log.ts';
export type { LogEvent, Position, TypeFilter } from './log.ts';
export { emit, emitMany } from './outbox.ts';
export type { CommitNotice, EmittedEvent, NewEvent } from './outbox.ts';
export {
  defineEvent,
  eventRegistry,
  EventRegistry,
  eventTypePattern,
  jobDead,
  llmRequestCompleted,
} from './registry.ts';
export type { EventDefinition, EventPayloads, InputOf, PayloadOf } from './registry.ts';
