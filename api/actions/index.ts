import type { ServerAction } from './action';
import { osStart } from './os-start';
import { osStop } from './os-stop';
import { migrate } from './migrate';
import { reboot } from './reboot';
import { resize } from './resize';
import { confirmResize, revertResize } from './resize-decision';

/** Every `POST /servers/{id}/action` key this service knows, by body key. */
export const SERVER_ACTIONS: ReadonlyMap<string, ServerAction> = new Map(
  [osStop, osStart, reboot, resize, migrate, confirmResize, revertResize].map((a) => [a.key, a as ServerAction]),
);
