import { arch, hostname, networkInterfaces, release, type } from 'node:os';
import type { HeartbeatBody } from '../client/gateway-client';
import { AGENT_VERSION } from '../version';

/** What a heartbeat says about this host: version, hostname, OS, architecture, external addresses. */
export function hostFacts(): HeartbeatBody {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((address) => !address.internal)
    .map((address) => address.address.split('%')[0]);
  return {
    hostname: hostname().slice(0, 253),
    os: `${type()} ${release()}`.slice(0, 64),
    architecture: arch().slice(0, 32),
    version: AGENT_VERSION,
    ip_addresses: [...new Set(addresses)].slice(0, 64),
  };
}
