import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  type IssuerDto,
  type NameConstraintsInput,
  type IssuerRpc,
  type IssuerTreeNode,
  type RpcRequestParsed,
} from '@certctl/contracts';
import { newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import {
  type CreatedCa,
  type NameConstraintsSpec,
  type PkiErrorContext,
  createIntermediateCa,
  createRootCa,
  isNameConstraintsError,
  normalizeNameConstraints,
  parseCertificate,
  translatePkiErrors,
} from '@certctl/pki';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { type IssuerRow, IssuerRepository } from './issuer.repository';
import { IssuerService } from './issuer.service';

/** A create request for a local CA (connector issuers go to ConnectorIssuerService). */
type CreateRequest = RpcRequestParsed<typeof IssuerRpc.create> & { body: { type: 'local' } };
type CreateBody = CreateRequest['body'];
/** A signed CA and the chain it ships with (the intermediates above it, up to but not including the root). */
interface SignedCa {
  created: CreatedCa;
  parentChain: string;
}

/** Creating roots and intermediates (any depth), the tree below an issuer, and retirement. */
@Injectable()
export class IssuerHierarchyService {
  constructor(
    private readonly repository: IssuerRepository,
    private readonly issuers: IssuerService,
    @Inject(ISSUANCE_CONFIG) private readonly config: IssuanceConfig,
  ) {}

  async create({ actor, body }: CreateRequest): Promise<IssuerDto> {
    const id = body.id ?? newId('iss');
    const nameConstraints = toSpec(body.name_constraints);
    const signed = await translatePkiErrors(
      () => (body.parent_id ? this.signIntermediate(body, body.parent_id, nameConstraints) : this.signRoot(body, nameConstraints)),
      caRequestErrors(body),
    );
    await this.store(id, body, signed, nameConstraints);
    getLogger().info({ issuer_id: id, parent_id: body.parent_id ?? null, actor: actor.principal }, 'local CA created');
    return this.issuers.get(id);
  }

  private async signRoot(body: CreateBody, nameConstraints: NameConstraintsSpec | undefined): Promise<SignedCa> {
    const created = await createRootCa(caOptions(body, nameConstraints));
    return { created, parentChain: '' };
  }

  private async signIntermediate(body: CreateBody, parentId: string, nameConstraints: NameConstraintsSpec | undefined): Promise<SignedCa> {
    const parent = await this.signingParent(parentId);
    const base = this.config.CERTCTL_PUBLIC_BASE_URL.replace(/\/$/, '');
    const created = await createIntermediateCa({
      ...caOptions(body, nameConstraints),
      issuer: await this.issuers.ca(parent.id),
      crlDistributionUrl: `${base}/.well-known/pki/crl/${parent.id}`,
      ocspUrl: `${base}/.well-known/pki/ocsp/${parent.id}`,
    });
    // ca_chain_pem: the intermediates above this CA, up to (not including) the root.
    const parentChain =
      parent.parentId || parent.trustAnchorPem
        ? `${parent.caCertificatePem.trim()}\n${parent.caChainPem ? `${parent.caChainPem.trim()}\n` : ''}`
        : '';
    return { created, parentChain };
  }

  /** The parent of a new intermediate: an existing, enabled local issuer with a CA. */
  private async signingParent(parentId: string): Promise<IssuerRow & { caCertificatePem: string }> {
    const parent = await this.repository.findById(parentId);
    if (!parent) throw AppError.validation([{ field: 'parent_id', message: `issuer ${JSON.stringify(parentId)} does not exist` }]);
    if (parent.type !== 'local' || !parent.caCertificatePem) {
      throw AppError.validation([{ field: 'parent_id', message: 'must be a local issuer with a CA' }]);
    }
    if (!parent.enabled) throw new AppError('conflict', `issuer ${parent.id} is retired and cannot sign new CAs`);
    return { ...parent, caCertificatePem: parent.caCertificatePem };
  }

  /** The new issuer row and its encrypted CA key, in one transaction; a taken name or id is a conflict. */
  private store(id: string, body: CreateBody, { created, parentChain }: SignedCa, nameConstraints: NameConstraintsSpec | undefined) {
    return this.repository.insert(
      {
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
      this.issuers.caKeyData(id, body.key_algorithm, created.privateKeyPem),
    );
  }

  /** The issuer and every CA below it. */
  async hierarchy(id: string): Promise<IssuerTreeNode> {
    const rows = await this.repository.findSubtree(id);
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
    const issuer = await this.repository.findById(id);
    if (!issuer) throw AppError.notFound('issuer', id);
    const active = await this.repository.findEnabledChildren(id, 10);
    if (active.length) {
      throw new AppError('conflict', `issuer ${id} still has active child CAs: ${active.map((c) => c.id).join(', ')}; retire them first`);
    }
    await this.repository.disable(id);
    this.issuers.forget(id);
    getLogger().info({ issuer_id: id, actor: actor.principal }, 'issuer retired');
    return this.issuers.get(id);
  }
}

/** What a new root and a new intermediate are both made from. */
function caOptions(body: CreateBody, nameConstraints: NameConstraintsSpec | undefined) {
  return {
    commonName: body.common_name ?? body.name.slice(0, 64),
    organization: body.organization,
    keyAlgorithm: body.key_algorithm,
    validityDays: body.validity_days,
    pathLength: body.path_length,
    nameConstraints,
  };
}

/**
 * How a refused CA request is reported: name-constraint problems on `name_constraints` (in the
 * API's spelling: permitted_dns, not the signer's permittedDns), anything else on path_length
 * for an intermediate or on the body for a root.
 */
function caRequestErrors(body: CreateBody): PkiErrorContext {
  return {
    field: (err) => (isNameConstraintsError(err) ? 'name_constraints' : body.parent_id ? 'path_length' : '(body)'),
    fieldMessage: (message) =>
      message.replace(/\b(permitted|excluded)(Dns|Ip|Email)\b/g, (_m, kind: string, form: string) => `${kind}_${form.toLowerCase()}`),
  };
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
