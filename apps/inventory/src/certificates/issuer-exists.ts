import { AppError, Rpc } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';

/** Whether issuance knows the issuer (issuers are issuance's table: asked over the bus). */
export async function issuerExists(rpc: Pick<RpcClient, 'request'>, id: string): Promise<boolean> {
  try {
    await rpc.request(Rpc.issuance.issuerGet, { id });
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return false;
    throw err;
  }
}
