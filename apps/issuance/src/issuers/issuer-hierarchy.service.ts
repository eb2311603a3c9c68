import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  type IssuerDto,
  type NameConstraintsInput,
  type IssuerRpc,
  type IssuerTreeNode,
  type RpcRequestParsed,
} from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import {
  PkiError,
  createIntermediateCa,
  createRootCa,
  normalizeNameConstraints,
  parseCertificate,
  type NameConstraintsSpec,
} from '@certctl/pki';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { IssuerService } from './issuer.service';

/** A create request for a local CA (connector issuers go to ConnectorIssuerService). */
type CreateRequest = RpcRequestParsed<typeof IssuerRpc.create> & { body: { type: 'local' } };

/** Creating roots and intermediates (any depth), the tree below an issuer, and retirement. */
@Injectable()
export class IssuerHierarchyService {
  constructor(
    private readonly db: PrismaService,
    private readonly issuers: IssuerService,
    @Inject(ISSUANCE_CONFIG) private readonly config: IssuanceConfig,
  ) {}

  async create({ actor, body }: CreateRequest): Promise<IssuerDto> {
    const id = body.id ?? newId('iss');
    const commonName = body.common_name ?? body.name.slice(0, 64);
    let parentChain = '';
    let created;
    const nameConstraints = toSpec(body.name_constraints);
    try {
      if (body.parent_id) {
        const parent = await this.db.issuer.findUnique({ where: { id: body.parent_id } });
        if (!parent)
          throw AppError.validation([{ field: 'parent_id', message: `issuer ${JSON.stringify(body.parent_id)} does not exist` }]);
        if (parent.type !== 'local' || !parent.caCertificatePem) {
          throw AppError.validation([{ field: 'parent_id', message: 'must be a local issuer with a CA' }]);
        }
        if (!parent.enabled) throw new AppError('conflict', `issuer ${parent.id} is retired and cannot sign new CAs`);
        const base = this.config.CERTCTL_PUBLIC_BASE_URL.replace(/\/$/, '');
        created = await createIntermediateCa({
          issuer: await this.issuers.ca(parent.id),
          commonName,
          organization: body.organization,
          keyAlgorithm: body.key_algorithm,
          validityDays: body.validity_days,
          pathLength: body.path_length,
          nameConstraints,
          crlDistributionUrl: `${base}/.well-known/pki/crl/${parent.id}`,
          ocspUrl: `${base}/.well-known/pki/ocsp/${parent.id}`,
        });
        // ca_chain_pem: the intermediates above this CA, up to (not including) the root.
        parentChain =
          parent.parentId || parent.trustAnchorPem
            ? `${parent.caCertificatePem.trim()}\n${parent.caChainPem ? `${parent.caChainPem.trim()}\n` : ''}`
            : '';
      } else {
        created = await createRootCa({
          commonName,
          organization: body.organization,
          keyAlgorithm: body.key_algorithm,
          validityDays: body.validity_days,
          pathLength: body.path_length,
          nameConstraints,
        });
      }
    } catch (err) {
      if (err instanceof PkiError) {
        const field = /^(permitted|excluded)|name constraint/.test(err.message)
          ? 'name_constraints'
          : body.parent_id
            ? 'path_length'
            : '(body)';
        // The signer names spec keys (permittedDns[0]); callers wrote permitted_dns.
        const message = err.message.replace(
          /\b(permitted|excluded)(Dns|Ip|Email)\b/g,
          (_m, a: string, b: string) => `${a}_${b.toLowerCase()}`,
        );
        throw AppError.validation([{ field, message }]);
      }
      throw err;
    }
    try {
      const row = await this.db.$transaction(async (tx) => {
        const issuer = await tx.issuer.create({
          data: {
            id,
            name: body.name,
            type: 'local',
            parentId: body.parent_id ?? null,
            config: {
              key_algorithm: body.key_algorithm,
              validity_days: body.validity_days,
              path_length: body.path_length ?? null,
              ...(body.name_constraints ? { name_constraints: fromSpec(normalizeNameConstraints(nameConstraints ?? {})) } : {}),
            },
            caCertificatePem: created.certificatePem,
            caChainPem: parentChain,
          },
        });
        await tx.caKey.create({ data: this.issuers.caKeyData(id, body.key_algorithm, created.privateKeyPem) });
        return issuer;
      });
      getLogger().info({ issuer_id: id, parent_id: body.parent_id ?? null, actor: actor.principal }, 'local CA created');
      return this.issuers.get(row.id);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new AppError('conflict', `an issuer with this name or id already exists`, {
          fields: [{ field: 'name', message: 'must be unique' }],
        });
      }
      throw err;
    }
  }

  /** The issuer and every CA below it. */
  async hierarchy(id: string): Promise<IssuerTreeNode> {
    const rows = await this.db.$queryRaw<
      { id: string; name: string; enabled: boolean; parent_id: string | null; ca_certificate_pem: string | null }[]
    >`
      WITH RECURSIVE tree AS (
        SELECT id, name, enabled, parent_id, ca_certificate_pem FROM issuers WHERE id = ${id}
        UNION ALL
        SELECT i.id, i.name, i.enabled, i.parent_id, i.ca_certificate_pem FROM issuers i JOIN tree t ON i.parent_id = t.id
      ) SELECT * FROM tree`;
    if (!rows.length) throw AppError.notFound('issuer', id);
    const nodes = new Map<string, IssuerTreeNode>();
    for (const r of rows) {
      const info = r.ca_certificate_pem ? await parseCertificate(r.ca_certificate_pem).catch(() => null) : null;
      nodes.set(r.id, {
        id: r.id,
        name: r.name,
        enabled: r.enabled,
        subject: info?.subject ?? null,
        not_after: info?.notAfter.toISOString() ?? null,
        children: [],
      });
    }
    for (const r of rows) if (r.id !== id && r.parent_id) nodes.get(r.parent_id)?.children.push(nodes.get(r.id)!);
    return nodes.get(id)!;
  }

  /** Retires (disables) a CA; refused while it still has enabled CAs below it. */
  async retire({ actor, id }: RpcRequestParsed<typeof IssuerRpc.retire>): Promise<IssuerDto> {
    const issuer = await this.db.issuer.findUnique({ where: { id } });
    if (!issuer) throw AppError.notFound('issuer', id);
    const active = await this.db.issuer.findMany({ where: { parentId: id, enabled: true }, select: { id: true }, take: 10 });
    if (active.length) {
      throw new AppError('conflict', `issuer ${id} still has active child CAs: ${active.map((c) => c.id).join(', ')}; retire them first`);
    }
    await this.db.issuer.update({ where: { id }, data: { enabled: false } });
    this.issuers.forget(id);
    getLogger().info({ issuer_id: id, actor: actor.principal }, 'issuer retired');
    return this.issuers.get(id);
  }
}

/** The API's snake_case name constraints as the signer's spec, and back (what is stored in the issuer's config). */
export function toSpec(nc: NameConstraintsInput | undefined): NameConstraintsSpec | undefined {
  if (!nc) return undefined;
  return {
    permittedDns: nc.permitted_dns,
    excludedDns: nc.excluded_dns,
    permittedIp: nc.permitted_ip,
    excludedIp: nc.excluded_ip,
    permittedEmail: nc.permitted_email,
    excludedEmail: nc.excluded_email,
  };
}

function fromSpec(spec: Required<NameConstraintsSpec>): NameConstraintsInput {
  return {
    permitted_dns: spec.permittedDns,
    excluded_dns: spec.excludedDns,
    permitted_ip: spec.permittedIp,
    excluded_ip: spec.excludedIp,
    permitted_email: spec.permittedEmail,
    excluded_email: spec.excludedEmail,
  };
}
