import { createHash, randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import type { FakeHypervisor } from '../../activities/compute/fake-hypervisor';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { instanceWorkflowId } from '../../domain/naming';
import { InstanceIdKey, OperationKey, TaskStateKey } from '../../domain/search-attributes';
import { ApiClient, CIRROS, expectNovaError, type Reply } from '../support/http';
import { actionOfReply } from '../support/instance-actions';
import { startTestStack, type TestStack } from '../support/test-stack';

const HOST = 'host-a';

let stack: TestStack;
let api: ApiClient;
let hv: FakeHypervisor;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: HOST }] });
  api = new ApiClient(stack.baseUrl);
  hv = stack.hypervisor(HOST);
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  await hv.faults.clear();
});

const at = (version: string) => api.withHeaders({ 'OpenStack-API-Version': `compute ${version}` });

async function activeServer(name: string): Promise<string> {
  const id = await api.createServer({ name });
  await api.waitForStatus(id, 'ACTIVE');
  return id;
}

async function imageRow(id: string): Promise<Record<string, any> | undefined> {
  const [row] = await stack.sql`SELECT * FROM images WHERE id = ${id}`;
  return row;
}

async function imageStatus(id: string): Promise<string | undefined> {
  return (await imageRow(id))?.['status'] as string | undefined;
}

const actionOf = (id: string, reply: Reply) => actionOfReply(api, id, reply);

/** A backup at 2.45, once the server is idle again: the new image's id. */
async function backedUp(server: string, name: string, backupType: string, rotation: number): Promise<string> {
  const reply = await at('2.45').action(server, { createBackup: { name, backup_type: backupType, rotation } });
  expect(reply.status).toBe(202);
  await api.waitForServer(server, (s) => s['OS-EXT-STS:task_state'] === null);
  return reply.body.image_id as string;
}

/** The task_states a run went through, as the TaskState search attribute it upserted shows them in the UI. */
async function taskStatesOf(handle: WorkflowHandle): Promise<unknown[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    const payload = fields?.[TaskStateKey.name];
    return payload ? [defaultPayloadConverter.fromPayload(payload)] : [];
  });
}

/** Makes the guest's disk differ from every earlier backup's, so each backup holds bytes of its own. */
async function changeDisk(server: string, label: string): Promise<string> {
  await hv.guestWrite(server, 8192, Buffer.from(`guest data ${label}`));
  return createHash('sha256')
    .update(await fs.readFile(hv.diskPath(server)))
    .digest('hex');
}

describe('createBackup', () => {
  it('uploads the disk as a backup image of its type, recorded as createBackup with its compute event', async () => {
    const id = await activeServer('backup-source');
    const sha256 = await changeDisk(id, 'first');
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
    const reply = await at('2.45').action(id, {
      createBackup: { name: 'nightly-1', backup_type: 'daily', rotation: 2, metadata: { purpose: 'dr' } },
    });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ image_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(reply.headers.get('location')).toBeNull();
    const imageId = reply.body.image_id as string;

    const during = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'image_uploading');
    expect([during.status, during['OS-EXT-STS:vm_state']]).toEqual(['ACTIVE', 'active']);
    expect(await imageStatus(imageId)).toBe('saving');
    await hv.faults.clear();

    const after = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect([after.status, after['OS-EXT-STS:power_state']]).toEqual(['ACTIVE', 1]);
    expect(await imageRow(imageId)).toMatchObject({
      name: 'nightly-1',
      status: 'active',
      store_sha256: sha256,
      owner: 'admin',
      visibility: 'private',
      properties: {
        base_image_ref: CIRROS,
        instance_uuid: id,
        user_id: 'admin',
        image_type: 'backup',
        backup_type: 'daily',
        purpose: 'dr',
      },
    });
    expect((await api.get(`/image/v2/images/${imageId}`)).body).toMatchObject({
      status: 'active',
      image_type: 'backup',
      backup_type: 'daily',
    });
    const action = await actionOf(id, reply);
    expect(action).toMatchObject({ action: 'createBackup', message: null });
    expect(action.events.map((e: any) => [e.event, e.result, e.host])).toEqual([
      ['compute_backup_instance', 'Success', HOST],
    ]);

    const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, id));
    expect(await taskStatesOf(handle)).toEqual(['image_backup', 'image_pending_upload', 'image_uploading', null]);
    const run = await handle.describe();
    expect({
      type: run.type,
      status: run.status.name,
      instanceId: run.typedSearchAttributes.get(InstanceIdKey),
      operation: run.typedSearchAttributes.get(OperationKey),
      summary: await run.staticSummary(),
    }).toEqual({
      type: 'backupServerWorkflow',
      status: 'COMPLETED',
      instanceId: id,
      operation: 'createBackup',
      summary: `back up server backup-source on ${HOST} to daily backup nightly-1, keeping 2, requested by admin`,
    });
  });

  it('keeps the newest backups of each type up to the rotation, deleting older ones and their bytes', async () => {
    const id = await activeServer('backup-rotating');
    const daily: string[] = [];
    const dailyBytes: string[] = [];
    for (const day of [1, 2, 3]) {
      dailyBytes.push(await changeDisk(id, `day ${day}`));
      daily.push(await backedUp(id, `daily-${day}`, 'daily', 2));
    }
    expect(await Promise.all(daily.map(imageStatus))).toEqual(['deleted', 'active', 'active']);
    expect((await fetch(`${stack.baseUrl}/image/v2/images/${daily[0]}`)).status).toBe(404);
    expect(await stack.images.has(dailyBytes[0]!)).toBe(false);
    expect(await stack.images.has(dailyBytes[1]!)).toBe(true);

    // Another type and a plain snapshot of the same server are not this type's to rotate.
    const weekly = await backedUp(id, 'weekly-1', 'weekly', 1);
    const snapshot = (await at('2.45').action(id, { createImage: { name: 'keep-me' } })).body.image_id as string;
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    daily.push(await backedUp(id, 'daily-4', 'daily', 1));
    expect(await Promise.all([...daily, weekly, snapshot].map(imageStatus))).toEqual([
      'deleted',
      'deleted',
      'deleted',
      'active',
      'active',
      'active',
    ]);
  });

  it("rotates out an image its project made look like the server's backup, never another project's", async () => {
    const id = await activeServer('backup-lookalikes');
    const lookalike = { instance_uuid: id, image_type: 'backup', backup_type: 'daily' };
    const formats = { disk_format: 'raw', container_format: 'bare' };
    const glance = (token: string) => api.as(token).withHeaders({ Accept: 'application/json' });
    const own = (
      await glance('admin:admin').post('/image/v2/images', { name: 'own-lookalike', ...lookalike, ...formats })
    ).body;
    const upload = await fetch(`${stack.baseUrl}/image/v2/images/${own.id}/file`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.from('imported backup'),
    });
    expect(upload.status).toBe(204);
    const theirs = (await glance('alt:alt').post('/image/v2/images', { name: 'their-lookalike', ...lookalike })).body;
    const newest = await backedUp(id, 'real-1', 'daily', 1);
    expect(await Promise.all([own.id, theirs.id, newest].map(imageStatus))).toEqual(['deleted', 'queued', 'active']);
  });

  it("keeps a protected backup past the rotation, as Glance refuses to delete it, and another server's", async () => {
    const id = await activeServer('backup-protected');
    const other = await activeServer('backup-other');
    const theirs = await backedUp(other, 'theirs', 'daily', 1);
    const oldest = await backedUp(id, 'protected-1', 'daily', 3);
    const patched = await fetch(`${stack.baseUrl}/image/v2/images/${oldest}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify([{ op: 'replace', path: '/protected', value: true }]),
    });
    expect(patched.status).toBe(200);
    const middle = await backedUp(id, 'protected-2', 'daily', 3);
    const newest = await backedUp(id, 'protected-3', 'daily', 1);
    expect(await Promise.all([oldest, middle, newest, theirs].map(imageStatus))).toEqual([
      'active',
      'deleted',
      'active',
      'active',
    ]);
  });

  it('answers before 2.45 with a Location header, or none at rotation 0, which deletes the backup it made', async () => {
    const id = await activeServer('backup-legacy');
    const kept = await api.action(id, { createBackup: { name: 'legacy-1', backup_type: 'daily', rotation: '1' } });
    expect(kept.status).toBe(202);
    expect(kept.body).toBeUndefined();
    const location = kept.headers.get('location') ?? '';
    const keptId = location.split('/').pop() ?? '';
    expect(location).toBe(`${stack.baseUrl}/v2.1/images/${keptId}`);
    expect((await api.get(`/v2.1/images/${keptId}`)).body.image).toMatchObject({ id: keptId, name: 'legacy-1' });
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect(await imageStatus(keptId)).toBe('active');

    const none = await api.action(id, { createBackup: { name: 'legacy-0', backup_type: 'daily', rotation: '0' } });
    expect(none.status).toBe(202);
    expect(none.headers.get('location')).toBeNull();
    await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    const [made] = await stack.sql`SELECT status FROM images WHERE name = 'legacy-0'`;
    expect(made?.['status']).toBe('deleted');
    expect(await imageStatus(keptId)).toBe('deleted');
    expect((await actionOf(id, none)).events[0]).toMatchObject({ event: 'compute_backup_instance', result: 'Success' });
  });

  it('backs up a locked server for its owner, as Nova exempts backups from the lock', async () => {
    const owner = api.as('demo:demo');
    const reply = await owner.post('/v2.1/servers', {
      server: { name: 'backup-locked', flavorRef: '1', imageRef: CIRROS, networks: 'none' },
    });
    const id = reply.body.server.id as string;
    await owner.waitForStatus(id, 'ACTIVE');
    expect((await owner.action(id, { lock: null })).status).toBe(202);
    expect((await owner.action(id, { 'os-stop': null })).status).toBe(409);
    const backup = await owner
      .withHeaders({ 'OpenStack-API-Version': 'compute 2.45' })
      .action(id, { createBackup: { name: 'locked-1', backup_type: 'daily', rotation: 1 } });
    expect(backup.status).toBe(202);
    await owner.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect(await imageRow(backup.body.image_id as string)).toMatchObject({ status: 'active', owner: 'demo' });
  });

  it("refuses a server in the wrong state with Nova's 409 and creates no image", async () => {
    const rescued = await activeServer('backup-rescued');
    expect((await api.action(rescued, { rescue: null })).status).toBe(200);
    await api.waitForStatus(rescued, 'RESCUE');
    const before = await stack.sql`SELECT count(*)::int AS n FROM images`;
    const reply = await api.action(rescued, { createBackup: { name: 'never', backup_type: 'daily', rotation: 1 } });
    expectNovaError(
      reply,
      409,
      'conflictingRequest',
      `Cannot 'createBackup' instance ${rescued} while it is in vm_state rescued`,
    );
    expect(await stack.sql`SELECT count(*)::int AS n FROM images`).toEqual(before);
  });

  it.each([
    // A missing field is jsonschema's `required` on the object that lacks it: the reason names the field.
    ['no rotation', { name: 'b', backup_type: 'daily' }, 'createBackup', "'rotation' is a required property"],
    ['no backup_type', { name: 'b', rotation: 1 }, 'createBackup', "'backup_type' is a required property"],
    ['a negative rotation', { name: 'b', backup_type: 'daily', rotation: -1 }, 'rotation'],
    ['a rotation that is no number', { name: 'b', backup_type: 'daily', rotation: 'two' }, 'rotation'],
    ['a fractional rotation', { name: 'b', backup_type: 'daily', rotation: 1.5 }, 'rotation'],
    ['an unknown field', { name: 'b', backup_type: 'daily', rotation: 1, keep: true }, 'createBackup'],
    ['a padded name', { name: ' b', backup_type: 'daily', rotation: 1 }, 'name'],
    ['a bad metadata key', { name: 'b', backup_type: 'daily', rotation: 1, metadata: { 'a/b': 'c' } }, 'a/b'],
  ])('refuses %s with 400 naming the field, before looking the server up', async (_what, body, field, reason = '') => {
    const reply = await api.action(randomUUID(), { createBackup: body });
    expect(reply.status).toBe(400);
    expect(reply.body.badRequest.message).toMatch(new RegExp(`^Invalid input for field/attribute ${field}\\. `));
    expect(reply.body.badRequest.message).toContain(reason);
  });

  it('deletes the new backup and rotates nothing out when the upload fails, with the fault recorded', async () => {
    const id = await activeServer('backup-broken');
    const first = await backedUp(id, 'broken-1', 'daily', 1);
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'abort', times: 1 });
    const reply = await at('2.45').action(id, {
      createBackup: { name: 'broken-2', backup_type: 'daily', rotation: 1 },
    });
    expect(reply.status).toBe(202);
    const after = await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    expect([after.status, after['OS-EXT-STS:vm_state']]).toEqual(['ACTIVE', 'active']);
    expect(await imageStatus(reply.body.image_id as string)).toBe('deleted');
    expect(await imageStatus(first)).toBe('active');
    const action = await actionOf(id, reply);
    expect(action.message).toBe('Error');
    expect(action.events[0]).toMatchObject({ event: 'compute_backup_instance', result: 'Error' });
  });

  it('takes the unfinished backup with it when the server is deleted during the upload', async () => {
    const doomed = await activeServer('backup-doomed');
    await hv.faults.set(HypervisorStep.Snapshot, { mode: 'hang' });
    const reply = await at('2.45').action(doomed, {
      createBackup: { name: 'doomed-1', backup_type: 'daily', rotation: 1 },
    });
    await api.waitForServer(doomed, (s) => s['OS-EXT-STS:task_state'] === 'image_uploading');
    expect((await api.delete(`/v2.1/servers/${doomed}`)).status).toBe(204);
    await api.waitForGone(doomed);
    expect(await imageStatus(reply.body.image_id as string)).toBe('deleted');
  });

  describe('metadata quota before 2.39', () => {
    beforeAll(async () => {
      const reply = await api.put('/v2.1/os-quota-sets/admin', { quota_set: { metadata_items: 1 } });
      expect(reply.status).toBe(200);
    });
    afterAll(async () => {
      await api.delete('/v2.1/os-quota-sets/admin');
    });

    it("refuses more image metadata than the caller's metadata_items quota (403) for backups and snapshots", async () => {
      const id = await activeServer('backup-quota');
      const metadata = { a: '1', b: '2' };
      const backup = { createBackup: { name: 'q', backup_type: 'daily', rotation: 1, metadata } };
      expectNovaError(await at('2.38').action(id, backup), 403, 'forbidden', 'Image metadata limit exceeded');
      const snapshot = { createImage: { name: 'q', metadata } };
      expectNovaError(await at('2.38').action(id, snapshot), 403, 'forbidden', 'Image metadata limit exceeded');

      // From 2.39 Nova no longer counts it.
      expect((await at('2.39').action(id, backup)).status).toBe(202);
      await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
      // As many keys as the quota allows are fine.
      const one = { createBackup: { name: 'q1', backup_type: 'daily', rotation: 1, metadata: { a: '1' } } };
      expect((await at('2.38').action(id, one)).status).toBe(202);
      await api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === null);
    });

    it('checks the quota before the state, and counts nothing against an unlimited (-1) quota', async () => {
      const stopped = await activeServer('backup-quota-order');
      expect((await api.action(stopped, { rescue: null })).status).toBe(200);
      await api.waitForStatus(stopped, 'RESCUE');
      const backup = { createBackup: { name: 'q', backup_type: 'daily', rotation: 1, metadata: { a: '1', b: '2' } } };
      expectNovaError(await at('2.38').action(stopped, backup), 403, 'forbidden', 'Image metadata limit exceeded');
      expect((await api.put('/v2.1/os-quota-sets/admin', { quota_set: { metadata_items: -1 } })).status).toBe(200);
      expect((await at('2.38').action(stopped, backup)).status).toBe(409);
    });
  });
});
