/** Renew when a third of the lifetime is left (two thirds elapsed), as cert-manager does. */
export const DEFAULT_RENEW_BEFORE_FRACTION = 1 / 3;

/**
 * The moment at which `fractionLeft` of a certificate's lifetime (notBefore → notAfter)
 * remains: by default the "renew at two thirds of the lifetime" point that the scheduler,
 * the gateway's own HTTPS certificate and the ACME renewal window (ARI) all use.
 */
export function renewalPoint(notBefore: Date, notAfter: Date, fractionLeft = DEFAULT_RENEW_BEFORE_FRACTION): Date {
  const end = notAfter.getTime();
  return new Date(end - fractionLeft * (end - notBefore.getTime()));
}
