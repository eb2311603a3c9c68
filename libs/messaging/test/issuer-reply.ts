/** A reply to Rpc.issuance.issuerGet that fits its contract: what the fake issuance handlers of the messaging tests answer. */
export function issuerReply(id: string, at = new Date().toISOString()) {
  return {
    id,
    name: 'x',
    type: 'local',
    parent_id: null,
    enabled: true,
    config: {},
    ca_certificate_pem: null,
    ca_chain_pem: null,
    created_at: at,
    updated_at: at,
  };
}
