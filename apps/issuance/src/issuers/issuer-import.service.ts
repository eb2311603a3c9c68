import { Controller, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AppError, IssuerCaRpc, type IssuerDto, type RpcRequestParsed } from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { RpcHandler } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { CaImportError, PkiError, validateCaImport } from '@certctl/pki';
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
    private readonly db: PrismaService,
    private readonly issuers: IssuerService,
  ) {}

  async import({ actor, body }: RpcRequestParsed<typeof IssuerCaRpc.import>): Promise<IssuerDto> {
    let ca;
    try {
      ca = await validateCaImport({
        certificatePem: body.certificate_pem,
        privateKeyPem: body.private_key_pem,
        passphrase: body.passphrase,
        chainPem: body.chain_pem,
      });
    } catch (err) {
      if (err instanceof CaImportError)
        throw AppError.validation([{ field: err.field, message: err.message }], `cannot import the CA: ${err.message}`);
      if (err instanceof PkiError)
        throw AppError.validation([{ field: 'private_key_pem', message: err.message }], `cannot import the CA: ${err.message}`);
      throw err;
    }
    const id = body.id ?? newId('iss');
    const selfSigned = ca.rootPem === ca.certificatePem;
    try {
      await this.db.$transaction(async (tx) => {
        await tx.issuer.create({
          data: {
            id,
            name: body.name,
            type: 'local',
            parentId: null,
            config: { imported: true, key_algorithm: ca.keyAlgorithm, subject: ca.subject },
            caCertificatePem: ca.certificatePem,
            caChainPem: ca.intermediatesPem.join(''),
            trustAnchorPem: selfSigned ? null : ca.rootPem,
          },
        });
        await tx.caKey.create({ data: this.issuers.caKeyData(id, ca.keyAlgorithm, ca.privateKeyPem) });
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new AppError('conflict', 'an issuer with this name or id already exists', {
          fields: [{ field: 'name', message: 'must be unique' }],
        });
      }
      throw err;
    }
    getLogger().info({ issuer_id: id, subject: ca.subject, actor: actor.principal }, 'CA imported');
    return this.issuers.get(id);
  }
}

@Controller()
export class IssuerImportHandler {
  constructor(private readonly imports: IssuerImportService) {}

  @RpcHandler(IssuerCaRpc.import)
  import(@Payload() req: RpcRequestParsed<typeof IssuerCaRpc.import>) {
    return this.imports.import(req);
  }
}
