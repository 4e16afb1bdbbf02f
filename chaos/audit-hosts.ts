import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Sql } from 'postgres';
import { expectedDiskChecksum } from '../activities/compute/disk-image';
import { IMAGE_STATUSES_NOT_HOLDING_BYTES } from '../domain/states';
import { FakeHypervisor } from '../activities/compute/fake-hypervisor';
import { hostDataDir } from '../worker/compute-worker';
import { IDENTITY_FILE, LocalImageStore } from '../storage/image-store';
import type { Finding } from './findings';

interface LiveInstance {
  uuid: string;
  host: string | null;
  vm_state: string;
  power_state: number;
  image_id: string | null;
  store_sha256: string | null;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/**
 * The hosts' side: every placed server has its guest on its host with the disk its image says (the image's stored
 * bytes for snapshots, the synthesized base image otherwise) and the power state the database says; nothing else
 * is on any host, in the transfer area or in the image store.
 */
export async function auditHosts(sql: Sql, dataDir: string, hosts: string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (category: Finding['category'], detail: string) => findings.push({ category, detail });
  const images = new LocalImageStore(path.join(dataDir, 'images'));
  const live = await sql<LiveInstance[]>`
    SELECT i.uuid, i.host, i.vm_state, i.power_state, i.image_id, im.store_sha256
    FROM instances i LEFT JOIN images im ON im.id = i.image_id WHERE NOT i.deleted`;
  for (const host of hosts) {
    const hypervisor = new FakeHypervisor(host, hostDataDir(dataDir, host), images);
    const mine = new Map(live.filter((i) => i.host === host).map((i) => [i.uuid, i]));
    const guests = await hypervisor.listGuests();
    const guestIds = new Set(guests.map((g) => g.uuid));
    for (const guest of guests) {
      const instance = mine.get(guest.uuid);
      if (!instance) {
        add('leaked', `guest ${guest.uuid} on ${host} belongs to no server there`);
        continue;
      }
      const actual = await hypervisor.diskChecksum(guest.uuid);
      const expected =
        instance.store_sha256 ?? (instance.image_id ? expectedDiskChecksum(instance.image_id) : undefined);
      // A rebuild that failed before its disk swap gave the server its previous image back: no exception here.
      if (actual === undefined) add('lost', `server ${guest.uuid} on ${host} has no disk`);
      else if (actual !== expected)
        add('corrupted', `disk of ${guest.uuid} on ${host} is not image ${instance.image_id}`);
      else if (actual !== guest.diskChecksum)
        add('corrupted', `guest ${guest.uuid} on ${host} records another checksum`);
      if (guest.powerState !== instance.power_state) {
        add(
          'corrupted',
          `guest ${guest.uuid} on ${host} has power state ${guest.powerState}, the database ${instance.power_state}`,
        );
      }
    }
    for (const uuid of mine.keys()) {
      if (!guestIds.has(uuid)) add('lost', `server ${uuid} is placed on ${host} but the host has no such guest`);
    }
    for (const file of await listFiles(path.join(hostDataDir(dataDir, host), 'disks'))) {
      const [uuid = '', suffix] = path.basename(file).split('.', 2);
      const owned =
        (suffix === 'disk' && guestIds.has(uuid) && mine.has(uuid)) ||
        (suffix === 'rescue' && mine.get(uuid)?.vm_state === 'rescued');
      if (!owned) add('leaked', `file ${path.relative(dataDir, file)} belongs to no server`);
    }
  }
  for (const file of await listFiles(path.join(dataDir, 'transfer'))) {
    add('leaked', `transfer file ${path.relative(dataDir, file)} left behind`);
  }
  const stored = await sql<{ store_sha256: string }[]>`
    SELECT DISTINCT store_sha256 FROM images
    WHERE store_sha256 IS NOT NULL AND status NOT IN ${sql(IMAGE_STATUSES_NOT_HOLDING_BYTES as string[])}`;
  const referenced = new Set(stored.map((s) => s.store_sha256));
  const identity = path.join(dataDir, 'images', IDENTITY_FILE);
  for (const file of await listFiles(path.join(dataDir, 'images'))) {
    if (file !== identity && !referenced.has(path.basename(file)))
      add('leaked', `image bytes ${path.relative(dataDir, file)} belong to no image`);
  }
  return findings;
}
