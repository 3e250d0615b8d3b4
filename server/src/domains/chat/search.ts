import { and, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Database } from '../../db/index.ts';
import { visibleThreads, type Viewer } from './access.ts';
import { messages, searchConfig, threads } from './schema.ts';

export const SearchQuery = z.strictObject({
  q: z
    .string()
    .min(1)
    .max(500)
    .describe('Words to find, as on a web search engine: `"exact phrase"`, `or`, `-excluded`'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  projectId: z.uuid().optional().describe('Only the threads of this project'),
});

export const SearchHitSchema = z.object({
  threadId: z.uuid(),
  threadTitle: z.string(),
  projectId: z.uuid().nullable(),
  archived: z.boolean(),
  messageId: z.uuid().nullable().describe('Null: the thread’s title matched'),
  role: z.enum(['system', 'user', 'assistant']).nullable().describe('Null: the thread’s title matched'),
  snippet: z
    .string()
    .describe('HTML: the text around the matches, escaped, with each match wrapped in `<mark>…</mark>`'),
  rank: z.number().describe('Higher is better; only comparable within one answer'),
  createdAt: z.string().describe('ISO-8601, UTC: of the message, or of the thread for a title hit'),
});

export type SearchQuery = z.infer<typeof SearchQuery>;
export type SearchHit = z.infer<typeof SearchHitSchema>;

/**
 * A title says what a whole thread is about: its matches count ten times a message's. With ts_rank_cd this is
 * the same as weighing title lexemes 'A' (1.0) and message lexemes 'D' (0.1), PostgreSQL's default weights.
 */
export const titleWeight = 10;
/**
 * Ranking decompresses each match's vector, several microseconds apiece: a word in most of 100,000 messages would
 * take hundreds of milliseconds. So only the newest matches are ranked, this many of the messages (and of the
 * titles): for a word that common, the best of the newest is what a chat user looks for anyway.
 */
export const rankWindow = 2_000;
/** ts_rank_cd normalisation 1: divided by 1 + log(length), so a long answer does not win by length alone. */
const normalization = 1;

// ts_headline marks matches with STX/ETX, which the text cannot contain (they are blanked out first); `<` and `>`
// become SO/SI, else its parser would take `<b && c>` or `<script>` for tags and drop them from the snippet.
const start = '\u0002';
const stop = '\u0003';
const lt = '\u000e';
const gt = '\u000f';
const headlineOptions = `StartSel=${start}, StopSel=${stop}, MaxFragments=1, MaxWords=30, MinWords=15, ShortWord=0`;

const config = sql.raw(`'${searchConfig}'::regconfig`);
const isoTime = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Titles and finished messages of the threads the viewer may see, best first, with highlighted snippets. */
export async function search(db: Database, viewer: Viewer, query: SearchQuery): Promise<SearchHit[]> {
  const tsquery = sql`websearch_to_tsquery(${config}, ${query.q})`;
  const ranked = await rankHits(db, viewer, query, tsquery);
  if (ranked.length === 0) return [];
  return readHits(db, viewer, query, tsquery, ranked);
}

interface Ranked {
  thread_id: string;
  message_id: string | null;
  rank: number | string;
}

/**
 * The best `limit` hits: ids and ranks only. This runs with the owner's rights (`db.system`, ADR 0002): under
 * row-level security PostgreSQL uses an index only for LEAKPROOF operators, and `@@` is not one, so as
 * `fidus_tenant` every search would read every message of every tenant. The tenant and the viewer's visibility are
 * therefore filtered here by hand, and the rows themselves are read back under RLS by `readHits`.
 */
async function rankHits(db: Database, viewer: Viewer, query: SearchQuery, tsquery: SQL): Promise<Ranked[]> {
  return db.system(async (tx) => {
    // A word in half the messages makes a sequential scan look cheaper than the index, but that evaluates `@@` on
    // every row, decompressing each vector: several times slower. And parallel workers take longer to start than
    // these scans last. Both settings end with this transaction.
    await tx.execute(
      sql`select set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`,
    );
    // querytree is '' without lexemes (punctuation only) and 'T' when only exclusions are left (`-word`), which
    // would match nearly everything and could use no index: both find nothing.
    const [parsed] = await queryRows<{ tree: string }>(tx, sql`select querytree(${tsquery}) as tree`);
    if (!parsed || parsed.tree === '' || parsed.tree === 'T') return [];
    const where = (match: SQL): SQL =>
      and(
        match,
        eq(threads.tenantId, viewer.tenantId),
        visibleThreads(viewer),
        query.projectId ? eq(threads.projectId, query.projectId) : undefined,
      )!;
    const rank = (vector: SQL) => sql`ts_rank_cd(${vector}, ${tsquery}, ${sql.raw(String(normalization))})`;
    // Each side finds its matches through its GIN index, keeps the newest `rankWindow` (ids and times only: the
    // vectors are wide), fetches and ranks their vectors, and keeps the best `limit`; then the two are merged.
    return queryRows<Ranked>(
      tx,
      sql`
      (select recent.thread_id, recent.message_id, recent.created_at, ${rank(sql`${messages.search}`)} as rank
        from (select ${messages.threadId} as thread_id, ${messages.id} as message_id,
                ${messages.createdAt} as created_at
              from ${messages} join ${threads} on ${threads.id} = ${messages.threadId}
              where ${where(sql`${messages.search} @@ ${tsquery} and ${messages.tenantId} = ${viewer.tenantId}`)}
              order by ${messages.createdAt} desc
              limit ${rankWindow}) as recent
        join ${messages} on ${messages.id} = recent.message_id
        order by rank desc, recent.created_at desc
        limit ${query.limit})
      union all
      (select ${threads.id}, null::uuid, ${threads.createdAt},
          ${rank(sql`${threads.search}`)} * ${sql.raw(String(titleWeight))} as rank
        from (select ${threads.id} as thread_id
              from ${threads}
              where ${where(sql`${threads.search} @@ ${tsquery}`)}
              order by ${threads.createdAt} desc
              limit ${rankWindow}) as recent
        join ${threads} on ${threads.id} = recent.thread_id
        order by rank desc, ${threads.createdAt} desc
        limit ${query.limit})
      order by rank desc, created_at desc
      limit ${query.limit}`,
    );
  });
}

interface HitRow {
  ord: number;
  thread_id: string;
  title: string;
  project_id: string | null;
  archived: boolean;
  message_id: string | null;
  role: SearchHit['role'];
  created_at: string;
  headline: string;
}

/** The ranked hits' rows, read under RLS with the visibility checked again; headlines for these rows only. */
async function readHits(
  db: Database,
  viewer: Viewer,
  query: SearchQuery,
  tsquery: SQL,
  ranked: Ranked[],
): Promise<SearchHit[]> {
  const wanted = JSON.stringify(
    ranked.map((hit, ord) => ({ ord, thread_id: hit.thread_id, message_id: hit.message_id })),
  );
  const text = sql`translate(coalesce(${messages.content}, ${threads.title}), ${`<>${start}${stop}${lt}${gt}`},
    ${`${lt}${gt}    `})`;
  const rows = await db.tenant(viewer.tenantId, (tx) =>
    queryRows<HitRow>(
      tx,
      sql`
      select hit.ord, ${threads.id} as thread_id, ${threads.title} as title, ${threads.projectId} as project_id,
          ${threads.archived} as archived, ${messages.id} as message_id, ${messages.role} as role,
          ${isoTime(sql`coalesce(${messages.createdAt}, ${threads.createdAt})`)} as created_at,
          ts_headline(${config}, ${text}, ${tsquery}, ${headlineOptions}) as headline
        from jsonb_to_recordset(${wanted}::jsonb) as hit(ord int, thread_id uuid, message_id uuid)
        join ${threads} on ${threads.id} = hit.thread_id
        left join ${messages} on ${messages.id} = hit.message_id and ${messages.threadId} = ${threads.id}
        where ${and(
          sql`(hit.message_id is null or ${messages.id} is not null)`,
          visibleThreads(viewer),
          query.projectId ? eq(threads.projectId, query.projectId) : undefined,
        )!}
        order by hit.ord`,
    ),
  );
  return rows.map((row) => ({
    threadId: row.thread_id,
    threadTitle: row.title,
    projectId: row.project_id,
    archived: row.archived,
    messageId: row.message_id,
    role: row.role,
    snippet: toSnippet(row.headline),
    rank: Number(ranked[row.ord]!.rank),
    createdAt: row.created_at,
  }));
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  [lt]: '&lt;',
  [gt]: '&gt;',
  [start]: '<mark>',
  [stop]: '</mark>',
};
const special = new RegExp(`[&<>"'${lt}${gt}${start}${stop}]`, 'g');

/** The headline as HTML: its text escaped, its marks made `<mark>` (from the only markers it can contain). */
export const toSnippet = (headline: string): string =>
  headline.replace(special, (char) => escapes[char]!).trim();
