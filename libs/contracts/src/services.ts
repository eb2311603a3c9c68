/** The services on the bus. Each connects to NATS as its own user (docs/architecture.md, "Bus credentials"). */
export const BUS_SERVICES = ['gateway', 'inventory', 'issuance', 'acme', 'revocation', 'scheduler', 'notifications'] as const;
export type BusService = (typeof BUS_SERVICES)[number];

/**
 * The service answering a request/reply subject: the third token of
 * certctl.v1.<service>.<entity>.<verb>. Undefined for event subjects and foreign names.
 */
export function rpcOwnerOf(subject: string): BusService | undefined {
  const owner = subject.split('.')[2];
  return (BUS_SERVICES as readonly string[]).includes(owner) ? (owner as BusService) : undefined;
}

/** The queue group of a service: replicas of one service share each request. */
export function queueGroupOf(service: string): string {
  return `certctl.${service}`;
}
