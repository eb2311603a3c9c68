export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** The RFC 5280 reason picker every revoke form uses. */
export function RevokeReasonSelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: RevocationReason;
  onChange: (reason: RevocationReason) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>Revocation reason</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as RevocationReason)}>
        {REVOCATION_REASONS.map((reason) => (
          <option key={reason} value={reason}>
            {reason}
          </option>
        ))}
      </select>
    </div>
  );
}
