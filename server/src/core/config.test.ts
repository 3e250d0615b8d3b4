import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const cwd = mkdtempSync(path.join(tmpdir(), 'fidus-config-'));
const load = (env: Record<string, string>) => loadConfig(env, cwd);

describe('loadConfig', () => {
  it('runs embedded with defaults when nothing is set', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.join(cwd, '.fidus'),
      mode: 'embedded',
      signup: 'first-user',
      logLevel: 'info',
      file: {},
    });
  });

  it('treats empty values as unset', () => {
    expect(load({ PORT: '', LOG_LEVEL: '' }).port).toBe(3000);
  });

  it('switches to server mode with DATABASE_URL and then requires the master key', () => {
    expect(() => load({ DATABASE_URL: 'postgres://db/fidus' })).toThrow(/FIDUS_MASTER_KEY is required/);
    const key = Buffer.alloc(32, 1);
    const config = load({ DATABASE_URL: 'postgres://db/fidus', FIDUS_MASTER_KEY: key.toString('hex') });
    expect(config.mode).toBe('server');
    expect(config.masterKey).toEqual(key);
    expect(
      load({ DATABASE_URL: 'postgres://db/f', FIDUS_MASTER_KEY: key.toString('base64') }).masterKey,
    ).toEqual(key);
  });

  it.each([
    [{ PORT: '70000' }, /^PORT must be an integer between 0 and 65535 \(got "70000"\)$/],
    [{ PORT: '3.5' }, /^PORT must be an integer/],
    [
      { HOST: '', FIDUS_SIGNUP: 'closed' },
      /^FIDUS_SIGNUP must be one of first-user, open, invite \(got "closed"\)$/,
    ],
    [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ FIDUS_MASTER_KEY: 'x'.repeat(64) }, /^FIDUS_MASTER_KEY must be 32 bytes/],
  ])('names the setting and what is allowed: %o', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('never repeats a rejected key or a password in the error line', () => {
    expect(() => load({ FIDUS_MASTER_KEY: 'secret-but-short' })).toThrow(/got a value of 16 characters\)$/);
    expect(() => load({ DATABASE_URL: 'mysql://fidus:hunter2@db/x' })).toThrow(
      /got "mysql:\/\/fidus:\*\*\*@db\/x"\)$/,
    );
  });

  it('parses FIDUS_TRUST_PROXY into what Fastify expects', () => {
    expect(load({}).trustProxy).toBe(false);
    expect(load({ FIDUS_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(() => load({ FIDUS_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/FIDUS_TRUST_PROXY/);
    expect(load({ FIDUS_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
    ]);
    expect(() => load({ FIDUS_TRUST_PROXY: 'yes please' })).toThrow(/^FIDUS_TRUST_PROXY must be true, false/);
  });

  it('reads the config file and rejects unknown or malformed content', () => {
    const file = path.join(cwd, 'custom.json');
    writeFileSync(file, JSON.stringify({ $schema: 'x' }));
    expect(load({ FIDUS_CONFIG: file }).configPath).toBe(file);
    writeFileSync(file, '{ nope');
    expect(() => load({ FIDUS_CONFIG: file })).toThrow(/is not valid JSON/);
    writeFileSync(file, JSON.stringify({ providerz: [] }));
    expect(() => load({ FIDUS_CONFIG: file })).toThrow(/providerz/);
  });

  it('picks up ./fidus.config.json when present', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fidus-config-default-'));
    writeFileSync(path.join(dir, 'fidus.config.json'), '{}');
    expect(loadConfig({}, dir).configPath).toBe(path.join(dir, 'fidus.config.json'));
  });
});
