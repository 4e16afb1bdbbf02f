import { extraSpecsCreateBody, flavorCreateBody, flavorCreateBodyV21 } from './flavor';

describe('flavor create body', () => {
  const base = { name: 'm1.x', ram: 512, vcpus: 1, disk: 0 };

  it('takes integers as decimal strings, a numeric id as its string and an empty swap as none', () => {
    const parsed = flavorCreateBody.parse({ flavor: { ...base, ram: '2048', id: 42, swap: '' } });
    expect(parsed.flavor).toMatchObject({ ram: 2048, id: '42', swap: 0 });
  });

  it('refuses a zero vcpus or RAM, a fractional disk and a zero rxtx_factor', () => {
    for (const bad of [{ vcpus: 0 }, { ram: 0 }, { disk: 1.5 }, { rxtx_factor: 0 }]) {
      expect(flavorCreateBody.safeParse({ flavor: { ...base, ...bad } }).success).toBe(false);
    }
  });

  it('knows no description before 2.55', () => {
    expect(flavorCreateBodyV21.safeParse({ flavor: { ...base, description: 'd' } }).success).toBe(false);
    expect(flavorCreateBody.safeParse({ flavor: { ...base, description: null } }).success).toBe(true);
  });
});

describe('extra specs body', () => {
  it('keeps values as strings and refuses keys outside Nova’s pattern', () => {
    expect(extraSpecsCreateBody.parse({ extra_specs: { 'hw:numa_nodes': 2, 'trait:X': true } })).toEqual({
      extra_specs: { 'hw:numa_nodes': '2', 'trait:X': 'True' },
    });
    expect(extraSpecsCreateBody.safeParse({ extra_specs: { 'bad/key': '1' } }).success).toBe(false);
    expect(extraSpecsCreateBody.safeParse({ extra_specs: { k: 'v'.repeat(256) } }).success).toBe(false);
  });
});
