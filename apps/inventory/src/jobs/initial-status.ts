/** Where a new issuance or renewal job starts: a person's approval first, then the agent's CSR, else straight to the queue. */
export function initialJobStatus(profile: { requiresApproval: boolean; keyGeneration: string } | null | undefined) {
  if (profile?.requiresApproval) return 'awaiting_approval' as const;
  return afterApproval(profile);
}

/** Where an approved job goes: agent-generated keys wait for the CSR. */
export function afterApproval(profile: { keyGeneration: string } | null | undefined) {
  return profile?.keyGeneration === 'agent' ? ('awaiting_csr' as const) : ('pending' as const);
}
