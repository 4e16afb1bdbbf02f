import { captureLogs } from '../test/support/log-capture';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('writes JSON lines with the component, and redacts secrets however a call nests them', () => {
    const out = captureLogs();
    const log = createLogger('api', { destination: out.stream, level: 'info' });
    log.info(
      {
        adminPass: 'top-level-pass',
        server: { adminPass: 'nested-pass', name: 'web-1' },
        user: { password: 'user-pw' },
        req: { headers: { 'x-auth-token': 'tok-in', 'x-subject-token': 'tok-out', accept: 'application/json' } },
        env: { DATABASE_URL: 'postgres://nova:pg-pw@db/nova', NOVA_METADATA_SECRET: 'shared-secret' },
        config: { databaseUrl: 'postgres://nova:pg-pw2@db/nova', metadataProxy: { secret: 'proxy-secret' } },
      },
      'something happened',
    );
    const text = out.text();
    for (const secret of ['top-level-pass', 'nested-pass', 'user-pw', 'tok-in', 'tok-out', 'pg-pw', 'shared-secret']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('proxy-secret');
    const line = JSON.parse(text);
    expect(line).toMatchObject({
      component: 'api',
      msg: 'something happened',
      server: { adminPass: '[Redacted]', name: 'web-1' },
      req: { headers: { 'x-auth-token': '[Redacted]', accept: 'application/json' } },
    });
  });

  it('renders readable lines through pino-pretty when asked (a terminal, or LOG_PRETTY=1)', () => {
    const out = captureLogs();
    const log = createLogger('conductor', { destination: out.stream, pretty: true, level: 'info' });
    log.info({ requestId: 'req-1', password: 'pretty-pw' }, 'operation admitted');
    const text = out.text();
    expect(text).toMatch(/^\[[\d:.]+\] INFO: conductor: operation admitted \{/);
    expect(text).toContain('"requestId":"req-1"');
    expect(text).not.toContain('pretty-pw');
    expect(() => JSON.parse(text)).toThrow();
  });
});
