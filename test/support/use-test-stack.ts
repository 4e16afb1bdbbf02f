import { ApiClient } from './http';
import { startTestStack, type TestStack } from './test-stack';

export interface StackAndApi {
  stack: TestStack;
  api: ApiClient;
}

/**
 * Registers the file's beforeAll/afterAll for a test stack with the given options and its admin API client. The
 * returned object is filled in once beforeAll has run.
 */
export function useTestStack(opts: Parameters<typeof startTestStack>[0]): StackAndApi {
  const env = {} as StackAndApi;
  beforeAll(async () => {
    env.stack = await startTestStack(opts);
    env.api = new ApiClient(env.stack.baseUrl);
  });
  afterAll(async () => {
    await env.stack?.stop();
  });
  return env;
}
