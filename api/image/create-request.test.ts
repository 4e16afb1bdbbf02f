import type { RequestContext } from '../context';
import { parseCreateImage } from './create-request';
import { GlanceError } from './errors';

const demo: RequestContext = { requestId: 'req-1', userId: 'demo', projectId: 'demo', isAdmin: false };
const admin: RequestContext = { requestId: 'req-2', userId: 'admin', projectId: 'admin', isAdmin: true };

function failure(body: unknown, ctx = demo): { status: number; message: string | undefined } {
  try {
    parseCreateImage(body, ctx);
  } catch (err) {
    if (err instanceof GlanceError) return { status: err.status, message: err.explanation ?? err.detail };
    throw err;
  }
  throw new Error('expected a GlanceError');
}

describe('parseCreateImage', () => {
  it("takes Glance's defaults: shared, owned by the caller's project, no formats", () => {
    expect(parseCreateImage({}, demo)).toEqual({
      id: undefined,
      name: null,
      visibility: 'shared',
      protected: false,
      osHidden: false,
      owner: 'demo',
      containerFormat: null,
      diskFormat: null,
      minDisk: 0,
      minRam: 0,
      tags: [],
      properties: {},
    });
  });

  it('keeps core fields and the extra string properties openstacksdk sends', () => {
    const id = '0B3C5A9E-4A4E-4C0A-9A55-3B0D2C6E7F01';
    expect(
      parseCreateImage(
        {
          id,
          name: 'disk',
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'private',
          min_disk: 1,
          min_ram: 64,
          protected: true,
          tags: ['a', 'a', 'b'],
          'owner_specified.openstack.md5': 'abc',
          hw_disk_bus: 'virtio',
        },
        demo,
      ),
    ).toMatchObject({
      id: id.toLowerCase(),
      name: 'disk',
      diskFormat: 'raw',
      containerFormat: 'bare',
      visibility: 'private',
      minDisk: 1,
      minRam: 64,
      protected: true,
      tags: ['a', 'b'],
      properties: { 'owner_specified.openstack.md5': 'abc', hw_disk_bus: 'virtio' },
    });
  });

  it.each([
    [undefined, 400, 'Body expected in request.'],
    [{ name: 1 }, 400, "Provided object does not match schema 'image': 1 is not of type 'string'"],
    [{ disk_format: 'exe' }, 400, expect.stringContaining("'exe' is not one of")],
    [{ id: 'not-a-uuid' }, 400, expect.stringContaining("'not-a-uuid' does not match")],
    [{ min_ram: 1.5 }, 400, "Provided object does not match schema 'image': 1.5 is not of type 'integer'"],
    [{ min_disk: -1 }, 400, "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value"],
    [{ color: 7 }, 400, "Provided object does not match schema 'image': 7 is not of type 'string'"],
    [{ ['k'.repeat(256)]: 'v' }, 400, 'Custom property should not be greater than 255 characters.'],
    [[1, 2], 400, expect.stringContaining("is not of type 'object'")],
    [{ self: '/x' }, 403, "Attribute 'self' is read-only."],
    [{ status: 'active' }, 403, "Attribute 'status' is read-only."],
    [{ size: 10 }, 403, "Attribute 'size' is read-only."],
    [{ deleted: 'yes' }, 403, "Attribute 'deleted' is reserved."],
    [{ os_glance_x: 'y' }, 403, "Attribute 'os_glance_x' is reserved."],
    [{ visibility: 'public' }, 403, 'You are not authorized to complete publicize_image action.'],
    [{ owner: 'admin' }, 403, "You are not permitted to create images owned by 'admin'."],
  ])('refuses %j with %i', (body, status, message) => {
    expect(failure(body)).toEqual({ status, message });
  });

  it('lets an admin create public images for another project', () => {
    expect(parseCreateImage({ visibility: 'public', owner: 'demo' }, admin)).toMatchObject({
      visibility: 'public',
      owner: 'demo',
    });
  });
});
