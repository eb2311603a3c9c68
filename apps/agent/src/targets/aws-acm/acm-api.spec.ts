import { serialValue } from './acm-api';
import { awsAcmConfigSchema } from './config';

describe('aws-acm target: pure parts', () => {
  it('ok/serials compare whether ACM shows hex pairs or moto shows decimal', () => {
    expect(serialValue('4d:8d:a5')).toBe(0x4d8da5n);
    expect(serialValue('5082533')).toBe(5082533n);
    expect(serialValue('4D:8D:A5')).toBe(serialValue(String(0x4d8da5)));
    expect(serialValue('')).toBeUndefined();
    expect(serialValue('zz:01')).toBeUndefined();
  });

  it('ok/config: region required, tags default to none, a configured ARN must be an ACM certificate ARN', () => {
    expect(awsAcmConfigSchema.parse({ region: 'eu-west-1' })).toEqual({ region: 'eu-west-1', tags: {} });
    const bad = awsAcmConfigSchema.safeParse({
      region: 'eu-west-1',
      certificate_arn: 'arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/x',
    });
    expect(bad.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['certificate_arn']);
    const tags = awsAcmConfigSchema.safeParse({ region: 'eu-west-1', tags: { 'aws:x': '1', ok: 'bad{value}' } });
    expect(tags.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).sort()).toEqual([
      'tags.aws:x: must not start with aws: (reserved by AWS)',
      'tags.ok: may hold letters, digits, spaces and _ . : / = + - @',
    ]);
  });
});
