/** TanStack Query keys of the chat data. */
export const threadsKey = ['threads'] as const;
export const threadKey = (id: string) => ['thread', id] as const;
export const messagesKey = (id: string) => ['messages', id] as const;
export const modelsKey = ['models'] as const;
export const meKey = ['me'] as const;
export const templatesKey = ['templates'] as const;
