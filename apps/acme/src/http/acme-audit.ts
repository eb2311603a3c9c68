import { Injectable } from '@nestjs/common';
import { AuditEvents } from '@certctl/contracts';
import { RpcClient, auditEvent } from '@certctl/messaging';

/** What an ACME request changed, for the audit trail. */
export interface AcmeChange {
  action: string;
  resource_type: string;
  resource_id: string | null;
  details?: Record<string, unknown>;
}

/**
 * The audit rows of ACME requests (new account, order, finalize, revocation, key change,
 * deactivation): published on the bus for the gateway, which owns audit_events. The actor is
 * `acme:<account id>`, or `acme:certificate-key` for a revocation signed by the certificate's key.
 */
@Injectable()
export class AcmeAudit {
  constructor(private readonly rpc: RpcClient) {}

  async record(accountId: string | undefined, change: AcmeChange): Promise<void> {
    await this.rpc.emit(
      AuditEvents.recorded,
      auditEvent({
        service: 'acme',
        actor: accountId ? { principal: `acme:${accountId}`, kind: 'acme_account' } : { principal: 'acme:certificate-key', kind: 'system' },
        ...change,
      }),
    );
  }
}
