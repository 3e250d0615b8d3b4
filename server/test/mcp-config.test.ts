/**
 * The operator's stdio servers: only allow-listed commands start (a config error names the setting otherwise),
 * and a server limited to some tenants is theirs alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMcpHub } from '../src/agents/mcp/index.ts';
import { ConfigError, FileConfigSchema, loadConfig, newId } from '../src/core/index.ts';
import { Vault } from '../src/db/index.ts';
import { createTestDatabase } from './support/database.ts';
import { everythingBin } from './support/mcp.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fidus-mcp-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(file: unknown): () => unknown {
  const configPath = path.join(dir, `${newId()}.json`);
  writeFileSync(configPath, JSON.stringify(file));
  return () => loadConfig({ FIDUS_CONFIG: configPath }, dir);
}

describe('mcp config', () => {
  it('refuses a stdio command that is not in allowedCommands, naming the setting', () => {
    const start = load({ mcp: { stdio: [{ name: 'everything', command: 'npx', args: ['x'] }] } });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/mcp\.stdio\.0\.command: "npx" is not in mcp\.allowedCommands/);
  });

  it('refuses a repeated server name and a name agents could not write', () => {
    const repeated = load({
      mcp: {
        allowedCommands: ['node'],
        stdio: [
          { name: 'a', command: 'node' },
          { name: 'a', command: 'node' },
        ],
      },
    });
    expect(repeated).toThrow(/mcp\.stdio\.1\.name: repeats the server name "a"/);
    const dotted = load({ mcp: { allowedCommands: ['node'], stdio: [{ name: 'a.b', command: 'node' }] } });
    expect(dotted).toThrow(/mcp\.stdio\.0\.name/);
    const badTenant = load({
      mcp: { allowedCommands: ['node'], stdio: [{ name: 'a', command: 'node', tenants: ['acme'] }] },
    });
    expect(badTenant).toThrow(/mcp\.stdio\.0\.tenants\.0/);
  });

  it('defaults to no stdio servers and no allowed commands', () => {
    expect(FileConfigSchema.parse({}).mcp).toEqual({ allowedCommands: [], stdio: [] });
  });

  it('gives a stdio server limited to some tenants to those tenants only', async () => {
    const database = await createTestDatabase();
    const allowed = newId();
    const stranger = newId();
    const hub = createMcpHub({
      db: database.db,
      vault: new Vault({ current: randomBytes(32), previous: [] }),
      config: FileConfigSchema.parse({
        mcp: {
          allowedCommands: [process.execPath],
          stdio: [
            { name: 'everything', command: process.execPath, args: [everythingBin], tenants: [allowed] },
          ],
        },
      }).mcp,
    });
    try {
      const echo = await hub.tool(allowed, 'everything', 'echo');
      expect(echo?.name).toBe('everything.echo');
      expect(await hub.tool(stranger, 'everything', 'echo')).toBeUndefined();
      expect((await hub.list(stranger)).map((server) => server.name)).toEqual([]);
      expect((await hub.list(allowed)).map((server) => server.id)).toEqual(['stdio:everything']);
      await expect(hub.get(stranger, 'stdio:everything')).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await hub.close();
      await database.drop();
    }
  }, 30_000);
});
