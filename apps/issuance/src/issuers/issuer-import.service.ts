import { Injectable } from '@nestjs/common';
import type { IssuerCaRpc, IssuerDto, RpcRequestParsed } from '@certctl/contracts';
import { newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { translatePkiErrors, validateCaImport } from '@certctl/pki';
import { IssuerRepository } from './issuer.repository';
import { IssuerService } from './issuer.service';

/**
 * Importing an existing CA (a sub-CA under an enterprise root) as a local issuer. The key
 * is checked against the certificate and the chain validated to a self-signed root; the
 * key is then stored encrypted exactly like a generated CA key. The root is kept as the
 * issuer's trust anchor; the intermediates above the CA go into ca_chain_pem.
 */
@Injectable()
export class IssuerImportService {
  constructor(
    private readonly repository: IssuerRepository,
    private readonly issuers: IssuerService,
  ) {}

  async import({ actor, body }: RpcRequestParsed<typeof IssuerCaRpc.import>): Promise<IssuerDto> {
    // A CaImportError names the field it is about; any other refusal is about the key.
    const ca = await translatePkiErrors(
      () =>
        validateCaImport({
          certificatePem: body.certificate_pem,
          privateKeyPem: body.private_key_pem,
          passphrase: body.passphrase,
          chainPem: body.chain_pem,
        }),
      { field: 'private_key_pem', detailPrefix: 'cannot import the CA' },
    );
    const id = body.id ?? newId('iss');
    const selfSigned = ca.rootPem === ca.certificatePem;
    await this.repository.insert(
      {
        id,
        name: body.name,
        type: 'local',
        parentId: null,
        config: { imported: true, key_algorithm: ca.keyAlgorithm, subject: ca.subject },
        caCertificatePem: ca.certificatePem,
        caChainPem: ca.intermediatesPem.join(''),
        trustAnchorPem: selfSigned ? null : ca.rootPem,
      },
      this.issuers.caKeyData(id, ca.keyAlgorithm, ca.privateKeyPem),
    );
    getLogger().info({ issuer_id: id, subject: ca.subject, actor: actor.principal }, 'CA imported');
    return this.issuers.get(id);
  }
}
