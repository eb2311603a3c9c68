/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type AwsAcmConfig, awsAcmConfigSchema } from '@certctl/contracts';

/** The tag by which this target's certificate is found again when no ARN is known. */
export const CERTIFICATE_ID_TAG = 'certctl:certificate-id';
