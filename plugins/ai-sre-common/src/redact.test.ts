import { REDACTED, redactText, redactValue } from './redact';

describe('redactText', () => {
  it.each([
    [
      'connection string',
      'connecting to postgres://bookshop:pw-for-examples-only@postgres.bookstore.svc:5432/books',
      'pw-for-examples-only',
    ],
    [
      'JWT',
      'token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
    ],
    [
      'bearer token',
      'GET /api Authorization: Bearer abcdef0123456789abcdef',
      'abcdef0123456789abcdef',
    ],
    ['AWS key', 'using AKIAIOSFODNN7EXAMPLE for s3', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'password assignment',
      'DB_PASSWORD=hunter2hunter2 started',
      'hunter2hunter2',
    ],
    [
      'JSON secret',
      '{"api_key": "k-1234567890", "user": "bob"}',
      'k-1234567890',
    ],
    [
      'GitHub token',
      'cloned with ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    ],
    [
      'private key',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEA',
    ],
    [
      'OpenAI key',
      'OPENAI=sk-proj-abcdefghijklmnopqrstuvwx',
      'sk-proj-abcdefghijklmnopqrstuvwx',
    ],
  ])('removes a %s', (_name, text, secret) => {
    const redacted = redactText(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain(REDACTED);
  });

  it('keeps ordinary log lines as they are', () => {
    const line = 'GET /books?genre=poetry 200 9ms';
    expect(redactText(line)).toBe(line);
    expect(redactText('catalog-api listening on 0.0.0.0:3000')).toBe(
      'catalog-api listening on 0.0.0.0:3000',
    );
  });

  it('removes exact known secret values wherever they appear', () => {
    expect(redactText('login as bookshop failed', ['bookshop'])).toBe(
      `login as ${REDACTED} failed`,
    );
  });

  it('redacts every string of a structure', () => {
    expect(redactValue({ lines: ['password: swordfish123'], n: 1 })).toEqual({
      lines: [`password: ${REDACTED}`],
      n: 1,
    });
  });
});
