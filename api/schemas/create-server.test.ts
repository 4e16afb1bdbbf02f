import { bootImageId } from './create-server';

const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';
const OTHER = 'a2459075-d96c-40d5-893e-577ff92e721c';
const local = (uuid: string) => ({
  source_type: 'image' as const,
  destination_type: 'local' as const,
  uuid,
  boot_index: 0,
});

describe('bootImageId', () => {
  it('takes imageRef, a URL to it, or the boot-index-0 image mapping openstackclient sends', () => {
    expect(bootImageId({ imageRef: IMAGE })).toEqual({ imageId: IMAGE });
    expect(bootImageId({ imageRef: `http://glance/v2/images/${IMAGE}` })).toEqual({ imageId: IMAGE });
    expect(bootImageId({ imageRef: IMAGE, block_device_mapping_v2: [local(IMAGE)] })).toEqual({ imageId: IMAGE });
    expect(bootImageId({ block_device_mapping_v2: [{ ...local(IMAGE), boot_index: '0' }] })).toEqual({
      imageId: IMAGE,
    });
  });

  it('refuses volumes and blank devices, and a mapping that contradicts imageRef', () => {
    expect(bootImageId({ block_device_mapping_v2: [{ source_type: 'volume', uuid: IMAGE }] }).message).toMatch(
      /^Block Device Mapping is Invalid: /,
    );
    expect(
      bootImageId({ block_device_mapping_v2: [{ ...local(IMAGE), destination_type: 'volume' }] }).message,
    ).toBeDefined();
    expect(bootImageId({ imageRef: IMAGE, block_device_mapping_v2: [local(OTHER)] }).message).toContain(
      'Boot sequence',
    );
  });

  it('gives an empty id when nothing names an image', () => {
    expect(bootImageId({})).toEqual({ imageId: '' });
  });
});
