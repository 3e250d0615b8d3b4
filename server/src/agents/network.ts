import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

/**
 * Addresses that are not the public internet: this machine, private networks, link-local (a cloud's metadata
 * service at 169.254.169.254), carrier-grade NAT, multicast and reserved ranges, and their IPv6 counterparts.
 */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is outside the public internet (an IPv4-mapped IPv6 address by its IPv4 part). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return nonPublic.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const refusal = (host: string, address: string) =>
  Object.assign(
    new Error(
      `${host} is ${host === address ? '' : `at ${address}, `}not a public address: outbound calls to this ` +
        'machine or private networks are off (config: agents.allowPrivateNetworks)',
    ),
    { code: 'ENONPUBLIC' },
  );

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** DNS resolution that refuses a name with any non-public address (checked at connect time: no rebinding). */
function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const found = addresses.find((each) => isNonPublicAddress(each.address));
    if (found) return callback(refusal(hostname, found.address), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

/**
 * An undici dispatcher for calls whose address a tenant chose (HTTP tools, MCP servers). Unless private networks
 * are allowed, it connects to public addresses only: literal addresses are checked before connecting, names after
 * resolving them, and so is every redirect's target.
 */
export function outboundAgent(allowPrivateNetworks: boolean, options: Agent.Options = {}): Agent {
  if (allowPrivateNetworks) return new Agent(options);
  const connect = buildConnector({ lookup: publicLookup } as buildConnector.BuildOptions);
  return new Agent({
    ...options,
    connect: (connectOptions, callback) => {
      const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && isNonPublicAddress(host)) return callback(refusal(host, host), null);
      connect(connectOptions, callback);
    },
  });
}

/** A `fetch` through `outboundAgent`, for clients that take one (the MCP SDK's transport). */
export function outboundFetch(agent: Agent): typeof globalThis.fetch {
  return ((url: string | URL, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof globalThis.fetch;
}
