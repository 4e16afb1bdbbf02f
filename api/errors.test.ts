import { ServiceError } from '@temporalio/client';
import { ServiceUnavailable, translateError } from './errors';

/** A gRPC status error as grpc-js raises it. */
function grpcError(code: number): Error {
  return Object.assign(new Error(`${code} status`), { code, details: '', metadata: {} });
}

describe('translateError', () => {
  it('answers 503 for a Temporal deadline or outage, bare or wrapped by the client', () => {
    for (const code of [4, 14]) {
      expect(translateError(grpcError(code))).toBeInstanceOf(ServiceUnavailable);
      const wrapped = new ServiceError('Failed to get Workflow execution history', { cause: grpcError(code) });
      expect(translateError(wrapped)).toBeInstanceOf(ServiceUnavailable);
    }
  });

  it('leaves other gRPC errors, wrapped or not, to the 500 handler', () => {
    expect(translateError(grpcError(13))).toBeNull();
    expect(translateError(new ServiceError('Failed', { cause: grpcError(13) }))).toBeNull();
  });
});
