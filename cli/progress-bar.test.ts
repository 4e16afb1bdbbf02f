import { elapsed, progressBar } from './progress-bar';

describe('progressBar', () => {
  it('fills in proportion and prints the percentage', () => {
    expect(progressBar(35, 20)).toBe('[#######-------------]  35%');
    expect(progressBar(100, 10)).toBe('[##########] 100%');
  });

  it('clamps out-of-range values and shows dots when nothing is known', () => {
    expect(progressBar(140, 4)).toBe('[####] 100%');
    expect(progressBar(-3, 4)).toBe('[----]   0%');
    expect(progressBar(undefined, 4)).toBe('[....]     ');
  });
});

describe('elapsed', () => {
  it('reads seconds, then minutes and seconds', () => {
    expect(elapsed(9_400)).toBe('9s');
    expect(elapsed(75_000)).toBe('1m15s');
  });
});
