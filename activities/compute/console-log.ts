import { promises as fs } from 'node:fs';
import path from 'node:path';

/** libvirt's cap on what get_console_output returns (nova.virt.libvirt.driver.MAX_CONSOLE_BYTES): the newest 100 KiB. */
const MAX_CONSOLE_BYTES = 100 * 1024;
/** Past this size the file is cut back to what can be read. */
const MAX_FILE_BYTES = 1024 * 1024;

/** What a guest's boot prints: the part of a guest the console shows. */
export interface BootingGuest {
  uuid: string;
  name: string;
  flavor: { vcpus: number; memory_mb: number };
}

/**
 * What each guest prints on its serial console, appended to a file per guest on its host as libvirt's
 * console.log is: it outlives a worker restart, goes with the guest when it is destroyed, and starts afresh on a
 * host the guest moves to. The guest boots (spawn, power on, reboot, rescue, rebuild, a cold move) and powers
 * down; a pause, a suspend or a live migration prints nothing, as the guest's own kernel never notices them.
 */
export class ConsoleLog {
  constructor(private readonly dir: string) {}

  async boot(guest: BootingGuest, from: { rescueImageId?: string } = {}): Promise<void> {
    const root = from.rescueImageId ? 'the rescue disk' : 'its own disk';
    await this.append(guest.uuid, [
      `[    0.000000] Linux version 6.1.0-fake (nova-temporal fake hypervisor)`,
      `[    0.000000] Command line: root=/dev/vda1 ro console=tty1 console=ttyS0`,
      `[    0.000000] Memory: ${guest.flavor.memory_mb}MB available, ${guest.flavor.vcpus} CPU(s)`,
      ...(from.rescueImageId
        ? [`[    0.812345] Booting from ${root} (image ${from.rescueImageId}); the instance's disk is /dev/vdb`]
        : []),
      `[    1.204518] EXT4-fs (vda1): mounted filesystem with ordered data mode`,
      `cloud-init: instance-id: ${guest.uuid}`,
      `cloud-init: local-hostname: ${guest.name}`,
      `cloud-init: finished, booted from ${root}`,
      '',
    ]);
    // A getty's prompt waits on its line: what the guest prints next starts a new one.
    await this.write(guest.uuid, `${guest.name} login: `);
  }

  async powerDown(uuid: string): Promise<void> {
    await this.append(uuid, ['', '[  OK  ] Reached target Power-Off.', 'reboot: Power down']);
  }

  async restart(uuid: string): Promise<void> {
    await this.append(uuid, ['', '[  OK  ] Reached target Reboot.', 'reboot: Restarting system']);
  }

  /** An NMI reaching a guest whose kernel panics on it and boots the kdump kernel, which saves a dump and reboots. */
  async crashDump(uuid: string): Promise<void> {
    await this.append(uuid, [
      '',
      '[ 4242.000001] Uhhuh. NMI received for unknown reason 30 on CPU 0.',
      '[ 4242.000002] Kernel panic - not syncing: NMI: Not continuing',
      '[ 4242.000003] Starting crashdump kernel...',
      'kdump: saving vmcore to /var/crash',
      'kdump: saving vmcore complete',
      'reboot: Restarting system',
    ]);
  }

  /** The newest MAX_CONSOLE_BYTES of the guest's console; empty when it never printed anything here. */
  async read(uuid: string): Promise<string> {
    // As Nova decodes it: ASCII, each other byte replaced.
    return (await this.newest(uuid)).toString('latin1').replace(/[^\x00-\x7F]/g, '\uFFFD');
  }

  private async newest(uuid: string): Promise<Buffer> {
    const file = await fs.open(this.file(uuid), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!file) return Buffer.alloc(0);
    try {
      const { size } = await file.stat();
      const length = Math.min(size, MAX_CONSOLE_BYTES);
      const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, size - length);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async remove(uuid: string): Promise<void> {
    await fs.rm(this.file(uuid), { force: true });
  }

  private async append(uuid: string, lines: readonly string[]): Promise<void> {
    await this.write(uuid, `${lines.join('\n')}\n`);
  }

  private async write(uuid: string, text: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = this.file(uuid);
    await fs.appendFile(file, text);
    // Rotated as virtlogd rotates console logs: a guest rebooted for years keeps only what can still be read.
    if ((await fs.stat(file)).size > MAX_FILE_BYTES) {
      await fs.writeFile(`${file}.tmp`, await this.newest(uuid));
      await fs.rename(`${file}.tmp`, file);
    }
  }

  private file(uuid: string): string {
    return path.join(this.dir, `${uuid}.log`);
  }
}

/**
 * Nova's `_tail_log`: the last `length` lines, split and joined on newlines as Nova does (0: nothing). No length,
 * or -1, is all of it, as Nova's schema documents; Nova's code would drop the first line for -1.
 */
export function tailLines(log: string, length: number | null): string {
  if (length === null || length < 0) return log;
  if (length === 0) return '';
  return log.split('\n').slice(-length).join('\n');
}
