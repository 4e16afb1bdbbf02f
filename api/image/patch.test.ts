import { GlanceError } from './errors';
import { applyPatch, decodePointer, parsePatch, type PatchableImage } from './patch';

const V21 = 'application/openstack-images-v2.1-json-patch';
const V20 = 'application/openstack-images-v2.0-json-patch';

function failure(fn: () => unknown): { status: number; explanation?: string; detail?: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof GlanceError) return { status: err.status, explanation: err.explanation, detail: err.detail };
    throw err;
  }
  throw new Error('expected a GlanceError');
}

const image: PatchableImage = {
  name: 'cirros',
  visibility: 'private',
  protected: false,
  os_hidden: false,
  min_disk: 0,
  min_ram: 0,
  tags: ['a'],
  disk_format: 'qcow2',
  container_format: 'bare',
  owner: 'demo',
  properties: { os_distro: 'cirros' },
  status: 'active',
};
const owner = { projectId: 'demo', isAdmin: false };
const other = { projectId: 'other', isAdmin: false };
const admin = { projectId: 'admin', isAdmin: true };

describe('parsePatch', () => {
  it('reads draft 10 (v2.1) operations with decoded pointers', () => {
    expect(
      parsePatch(`${V21}; charset=UTF-8`, [
        { op: 'replace', path: '/name', value: 'x' },
        { op: 'add', path: '/a~1b~0c', value: 'v' },
        { op: 'remove', path: '/os_distro' },
      ]),
    ).toEqual([
      { op: 'replace', path: ['name'], value: 'x', draft: 10 },
      { op: 'add', path: ['a/b~c'], value: 'v', draft: 10 },
      { op: 'remove', path: ['os_distro'], draft: 10 },
    ]);
  });

  it('reads the draft 4 (v2.0) form', () => {
    expect(parsePatch(V20, [{ replace: '/min_ram', value: 64 }])).toEqual([
      { op: 'replace', path: ['min_ram'], value: 64, draft: 4 },
    ]);
    expect(failure(() => parsePatch(V20, [{ add: '/a', replace: '/b', value: 'x' }])).status).toBe(400);
  });

  it('answers 415 with Accept-Patch for another media type', () => {
    let caught: unknown;
    try {
      parsePatch('application/json', []);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GlanceError);
    const err = caught as GlanceError;
    expect(err.status).toBe(415);
    expect(err.headers['Accept-Patch']).toBe(`${V20}, ${V21}`);
    expect(err.detail).toBe(`Image PATCH expects Content-Type one of: ${V20}, ${V21}`);
  });

  it.each([
    [undefined, 'Body expected in request.'],
    [{ op: 'add' }, 'Request body must be a JSON array of operation objects.'],
    [['x'], 'Operations must be JSON objects.'],
    [
      [{ path: '/name', value: 'x' }],
      'Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.',
    ],
    [
      [{ op: 'move', path: '/name' }],
      'Invalid operation: `move`. It must be one of the following: add, remove, replace.',
    ],
    [[{ op: 'add', value: 'x' }], "Unable to find 'path' in JSON Schema change"],
    [[{ op: 'add', path: 'name', value: 'x' }], 'Pointer `name` does not start with "/".'],
    [[{ op: 'add', path: '/a//b', value: 'x' }], 'Pointer `/a//b` contains adjacent "/".'],
    [
      [{ op: 'add', path: '/a~2', value: 'x' }],
      'Pointer `/a~2` contains "~" not part of a recognized escape sequence.',
    ],
    [[{ op: 'add', path: '/a/b', value: 'x' }], "Invalid JSON pointer for this resource: '/a/b'"],
    [[{ op: 'add', path: '/name' }], 'Operation "add" requires a member named "value".'],
    [
      [{ op: 'replace', path: '/min_ram', value: 'lots' }],
      "Provided object does not match schema 'image': 'lots' is not of type 'integer'",
    ],
    [
      [{ op: 'add', path: '/color', value: 1 }],
      "Provided object does not match schema 'image': 1 is not of type 'string'",
    ],
    [[{ op: 'replace', path: '/visibility', value: 'everyone' }], expect.stringContaining("'everyone' is not one of")],
  ])('answers 400 for %j', (body, message) => {
    expect(failure(() => parsePatch(V21, body))).toEqual({ status: 400, explanation: message, detail: undefined });
  });

  it.each([
    ['/status', "Attribute 'status' is read-only."],
    ['/checksum', "Attribute 'checksum' is read-only."],
    ['/id', "Attribute 'id' is read-only."],
    ['/deleted', "Attribute 'deleted' is reserved."],
    ['/os_glance_import_task', "Attribute 'os_glance_import_task' is reserved."],
  ])('answers 403 for %s', (path, message) => {
    expect(failure(() => parsePatch(V21, [{ op: 'replace', path, value: 'x' }]))).toMatchObject({
      status: 403,
      explanation: message,
    });
  });
});

describe('decodePointer', () => {
  it('splits and unescapes', () => {
    expect(decodePointer('/locations/0')).toEqual(['locations', '0']);
    expect(decodePointer('/x~01')).toEqual(['x~1']);
  });
});

describe('applyPatch', () => {
  it('adds, replaces and removes core attributes, tags and extra properties', () => {
    const changes = parsePatch(V21, [
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'add', path: '/min_ram', value: 128 },
      { op: 'replace', path: '/tags', value: ['b', 'b', 'c'] },
      { op: 'add', path: '/hw_disk_bus', value: 'scsi' },
      { op: 'replace', path: '/os_distro', value: 'ubuntu' },
      { op: 'replace', path: '/protected', value: true },
      { op: 'replace', path: '/visibility', value: 'community' },
    ]);
    const next = applyPatch(image, changes, owner);
    expect(next).toMatchObject({
      name: 'renamed',
      min_ram: 128,
      tags: ['b', 'c'],
      protected: true,
      visibility: 'community',
      properties: { os_distro: 'ubuntu', hw_disk_bus: 'scsi' },
    });
    expect(image.name).toBe('cirros');
    const removed = applyPatch(next, parsePatch(V21, [{ op: 'remove', path: '/hw_disk_bus' }]), owner);
    expect(removed.properties).toEqual({ os_distro: 'ubuntu' });
  });

  it('answers 409 for replacing or removing a property that does not exist, and for draft 4 adds of one that does', () => {
    expect(
      failure(() => applyPatch(image, parsePatch(V21, [{ op: 'replace', path: '/x', value: 'y' }]), owner)),
    ).toEqual({
      status: 409,
      explanation: undefined,
      detail: 'Property x does not exist.',
    });
    expect(failure(() => applyPatch(image, parsePatch(V21, [{ op: 'remove', path: '/x' }]), owner)).status).toBe(409);
    expect(failure(() => applyPatch(image, parsePatch(V20, [{ add: '/os_distro', value: 'y' }]), owner))).toMatchObject(
      {
        status: 409,
        detail: 'Property os_distro already present.',
      },
    );
  });

  it('answers 403 for removing a core attribute, for another project, for publicizing or giving away as a member', () => {
    expect(failure(() => applyPatch(image, parsePatch(V21, [{ op: 'remove', path: '/name' }]), owner))).toMatchObject({
      status: 403,
      detail: 'Property name may not be removed.',
    });
    const rename = parsePatch(V21, [{ op: 'replace', path: '/name', value: 'mine' }]);
    expect(failure(() => applyPatch(image, rename, other))).toMatchObject({
      status: 403,
      explanation: 'You are not authorized to complete modify_image action.',
    });
    const publicize = parsePatch(V21, [{ op: 'replace', path: '/visibility', value: 'public' }]);
    expect(failure(() => applyPatch(image, publicize, owner))).toMatchObject({
      status: 403,
      explanation: 'You are not authorized to complete publicize_image action.',
    });
    expect(applyPatch(image, publicize, admin).visibility).toBe('public');
    const giveAway = parsePatch(V21, [{ op: 'replace', path: '/owner', value: 'other' }]);
    expect(failure(() => applyPatch(image, giveAway, owner))).toMatchObject({
      status: 403,
      detail: "Owner can't be updated by non admin.",
    });
    expect(applyPatch(image, giveAway, admin).owner).toBe('other');
  });

  it('changes formats only on a queued image and refuses negative minimums', () => {
    const format = parsePatch(V21, [{ op: 'replace', path: '/disk_format', value: 'raw' }]);
    expect(failure(() => applyPatch(image, format, owner))).toMatchObject({
      status: 403,
      explanation: 'Attribute disk_format can be only replaced for a queued image.',
    });
    expect(applyPatch({ ...image, status: 'queued' }, format, owner).disk_format).toBe('raw');
    const negative = parsePatch(V21, [{ op: 'replace', path: '/min_disk', value: -1 }]);
    expect(failure(() => applyPatch(image, negative, owner))).toMatchObject({
      status: 400,
      explanation: "Invalid value '-1' for parameter 'min_disk': Cannot be a negative value",
    });
  });

  it('refuses to touch locations, which this service never shows', () => {
    const change = parsePatch(V21, [{ op: 'replace', path: '/locations', value: [] }]);
    expect(failure(() => applyPatch(image, change, owner))).toMatchObject({
      status: 403,
      explanation: "It's not allowed to update locations if locations are invisible.",
    });
  });
});
