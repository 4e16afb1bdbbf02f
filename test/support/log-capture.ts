import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown>;

/** A stream a logger writes to in tests: the raw text, and each line parsed as JSON. */
export interface LogCapture {
  stream: Writable;
  text(): string;
  lines(): LogLine[];
}

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
  };
}
