import { renderTable } from './table';

describe('renderTable', () => {
  it('aligns columns under a header and shows missing cells as -', () => {
    expect(
      renderTable(
        ['operation', 'status'],
        [
          ['migrate', 'Running'],
          ['create', null],
        ],
      ),
    ).toBe(['operation  status', '---------  -------', 'migrate    Running', 'create     -'].join('\n'));
  });

  it('says (none) for no rows', () => {
    expect(renderTable(['a'], [])).toBe('(none)');
  });
});
