import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNonPublicAddress, outboundAgent } from './network.ts';

describe('isNonPublicAddress', () => {
  it('knows this machine, private and link-local networks and reserved ranges, in IPv4 and IPv6', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isNonPublicAddress(address), address).toBe(true);
    }
  });

  it('lets public addresses through', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isNonPublicAddress(address), address).toBe(false);
    }
  });
});

describe('outboundAgent', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const causeOf = async (url: string, allow: boolean): Promise<string> => {
    try {
      const response = await fetch(url, { dispatcher: outboundAgent(allow) });
      return `status ${response.status}: ${await response.text()}`;
    } catch (error) {
      return String((error as { cause?: Error }).cause?.message ?? error);
    }
  };

  it('refuses a literal private address and a name that resolves to one', async () => {
    expect(await causeOf(`http://127.0.0.1:${port}/`, false)).toContain('not a public address');
    expect(await causeOf(`http://localhost:${port}/`, false)).toContain('not a public address');
  });

  it('connects anywhere when private networks are allowed', async () => {
    expect(await causeOf(`http://127.0.0.1:${port}/`, true)).toBe('status 200: ok');
  });
});
