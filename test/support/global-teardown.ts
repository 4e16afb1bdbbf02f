import { rmSync } from 'node:fs';

interface Stoppable {
  stop(): Promise<void>;
}

export default async function globalTeardown(): Promise<void> {
  const state = ((globalThis as Record<string, unknown>)['__NOVA_TEST_STATE__'] ?? {}) as Record<string, Stoppable>;
  await state['temporal']?.stop();
  await state['postgres']?.stop();
  const scratch = process.env['NOVA_TEST_SCRATCH'];
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
