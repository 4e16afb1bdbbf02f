import type { Sql } from './db';

/** Nova's classic default flavors. */
const FLAVORS = [
  { id: '1', name: 'm1.tiny', vcpus: 1, memory_mb: 512, root_gb: 1 },
  { id: '2', name: 'm1.small', vcpus: 1, memory_mb: 2048, root_gb: 20 },
  { id: '3', name: 'm1.medium', vcpus: 2, memory_mb: 4096, root_gb: 40 },
  { id: '4', name: 'm1.large', vcpus: 4, memory_mb: 8192, root_gb: 80 },
  { id: '5', name: 'm1.xlarge', vcpus: 8, memory_mb: 16384, root_gb: 160 },
];

/** Images every fresh deployment has; fixed ids so scripts and docs can name them. */
export const SEED_IMAGES = [
  { id: '70a599e0-31e7-49b7-b260-868f441e862b', name: 'cirros-0.6.2-x86_64-disk', min_disk: 1 },
  { id: 'a2459075-d96c-40d5-893e-577ff92e721c', name: 'ubuntu-24.04-server', min_disk: 3 },
];

/** Inserts the default flavors and images; existing rows are left as they are. */
export async function seedCatalog(sql: Sql): Promise<void> {
  for (const f of FLAVORS) {
    await sql`
      INSERT INTO flavors (id, name, vcpus, memory_mb, root_gb) VALUES (${f.id}, ${f.name}, ${f.vcpus},
        ${f.memory_mb}, ${f.root_gb})
      ON CONFLICT DO NOTHING`;
  }
  for (const image of SEED_IMAGES) {
    await sql`
      INSERT INTO images (id, name, min_disk, size_bytes, checksum, properties)
      VALUES (${image.id}, ${image.name}, ${image.min_disk}, ${1024 * 1024}, NULL, ${sql.json({ hw_disk_bus: 'virtio' })})
      ON CONFLICT DO NOTHING`;
  }
}
