/** What `@agent task` in the composer asks for: the agent (by name) and the task. */
export interface AgentMention<A> {
  agent: A;
  input: string;
}

/**
 * The agent the text starts with (`@Weather desk …`) and what follows its name: agent names may hold spaces, so the
 * longest name that the text starts with, followed by a space or a line break, wins; names match without regard to
 * case. Undefined when the text does not start with `@` or names no agent that way.
 */
function namedAgent<A extends { name: string }>(
  text: string,
  agents: readonly A[],
): { agent: A; rest: string } | undefined {
  if (!text.startsWith('@')) return undefined;
  const rest = text.slice(1);
  const lower = rest.toLowerCase();
  let best: A | undefined;
  for (const agent of agents) {
    const name = agent.name.toLowerCase();
    if (!lower.startsWith(name)) continue;
    const next = rest.charAt(name.length);
    if (next !== ' ' && next !== '\n') continue;
    if (!best || agent.name.length > best.name.length) best = agent;
  }
  return best ? { agent: best, rest: rest.slice(best.name.length) } : undefined;
}

/**
 * The agent a message starts with (`@Weather desk what about Lyon?`) and its task (see `namedAgent`). Undefined when
 * the message does not start with `@`, names no agent, or has no task after the name.
 */
export function parseMention<A extends { name: string }>(
  text: string,
  agents: readonly A[],
): AgentMention<A> | undefined {
  const named = namedAgent(text, agents);
  const input = named?.rest.trim();
  return named && input ? { agent: named.agent, input } : undefined;
}

/** Whether the text already names an agent, followed by a space (`@Scribe `): the picker's work is done. */
export const namesAgent = (text: string, agents: readonly { name: string }[]): boolean =>
  namedAgent(text, agents) !== undefined;

/** The `@…` typed so far when the text is still the mention itself (one line, no task yet): what to suggest. */
export function mentionQuery(text: string): string | undefined {
  if (!text.startsWith('@') || text.includes('\n')) return undefined;
  return text.slice(1);
}

/**
 * What the `@` picker looks for, or undefined when it has nothing to offer: no mention is being typed, or the text
 * already names an agent (`@Scribe `) that no longer name continues (`@Weather ` still offers `Weather desk`).
 */
export function agentPickerQuery(text: string, agents: readonly { name: string }[]): string | undefined {
  const query = mentionQuery(text);
  if (query === undefined) return undefined;
  const lower = query.toLowerCase();
  const longer = agents.some(
    (agent) => agent.name.length > query.length && agent.name.toLowerCase().startsWith(lower),
  );
  return namesAgent(text, agents) && !longer ? undefined : query;
}
